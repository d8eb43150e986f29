import { listNames } from "../lib/format.ts";

/** "Ana is typing…", "Ana and Ben are typing…", "Several people are typing…". */
export function TypingIndicator(props: { names: string[] }) {
  const { names } = props;
  let text = "";
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length <= 3 && names.length > 1) text = `${listNames(names)} are typing…`;
  else if (names.length > 3) text = "Several people are typing…";
  return (
    <div className="typing-indicator" aria-live="polite">
      {text && (
        <>
          <span className="typing-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {text}
        </>
      )}
    </div>
  );
}
