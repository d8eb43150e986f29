import { type DragEvent, type ReactNode, useRef, useState } from "react";

function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer.types.includes("Files");
}

/**
 * Files dragged over it are taken (`onFiles`) when dropped, with a notice over it while they
 * hover. Other drags (text, links) pass through untouched.
 */
export function FileDropZone(props: { onFiles(files: File[]): void; label: string; children: ReactNode }) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const take = (event: DragEvent) => {
    event.preventDefault();
    event.stopPropagation();
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is a pointer gesture; the paperclip button does the same from the keyboard.
    <div
      className="drop-zone"
      onDragEnter={(event) => {
        if (!carriesFiles(event)) return;
        take(event);
        depth.current++;
        setOver(true);
      }}
      onDragOver={(event) => {
        if (!carriesFiles(event)) return;
        take(event);
        event.dataTransfer.dropEffect = "copy";
      }}
      onDragLeave={(event) => {
        if (!carriesFiles(event)) return;
        event.stopPropagation();
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(event) => {
        if (!carriesFiles(event)) return;
        take(event);
        depth.current = 0;
        setOver(false);
        props.onFiles([...event.dataTransfer.files]);
      }}
    >
      {props.children}
      {over && (
        <div className="drop-overlay" aria-hidden="true">
          <span>{props.label}</span>
        </div>
      )}
    </div>
  );
}
