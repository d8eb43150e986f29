/** An upload that no message has taken within this time cannot be sent any more, and is removed. */
export const UNSENT_UPLOAD_TTL_MS = 24 * 3600 * 1000;

/**
 * Images with more pixels than this are refused from their header, before any decoding: a
 * small file can declare a huge canvas (a "pixel bomb"). 100 megapixels passes every phone
 * camera's photos.
 */
export const MAX_IMAGE_PIXELS = 100_000_000;

/** The longest side of an image's preview, in pixels. */
export const THUMBNAIL_SIZE = 320;
