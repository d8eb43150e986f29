import type { Presence } from "@hallway/protocol";

const COLOURS = ["#2f6f5e", "#7a4eab", "#c0572b", "#2b6cb0", "#a23b72", "#5b7a1f", "#b7791f", "#2c7a7b"];

function colourOf(seed: string): string {
  let hash = 0;
  for (const char of seed) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return COLOURS[Math.abs(hash) % COLOURS.length]!;
}

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]![0], words.at(-1)![0]] : [name[0]];
  return letters.join("").toUpperCase();
}

/** A round picture or initials, decorative: the name is always written beside it. */
export function Avatar(props: {
  name: string;
  seed: string;
  url?: string | null;
  size?: "small" | "medium";
  presence?: Presence;
  group?: boolean;
}) {
  const { name, seed, url, size = "medium", presence, group } = props;
  return (
    <span className={`avatar ${size}${group ? " group" : ""}`} style={{ backgroundColor: colourOf(seed) }}>
      {url ? <img src={url} alt="" /> : <span aria-hidden="true">{initials(name) || "?"}</span>}
      {presence && <PresenceDot presence={presence} />}
    </span>
  );
}

const STATUS_WORDS: Record<string, string> = {
  online: "online",
  away: "away",
  idle: "idle",
  offline: "offline",
};

/** The coloured dot on an avatar; its status is read out by screen readers. */
export function PresenceDot(props: { presence: Presence }) {
  const status = props.presence.status;
  return <span className={`presence-dot ${status}`} role="img" aria-label={STATUS_WORDS[status] ?? status} />;
}
