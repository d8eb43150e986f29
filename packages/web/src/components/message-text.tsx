import type { Message } from "@hallway/protocol";
import { type ReactNode, useMemo } from "react";
import { usePeople } from "../hooks/use-directory.ts";
import { type Block, type Inline, parseMarkdown } from "../lib/markdown.ts";
import { EVERYONE_WORDS } from "../lib/mentions.ts";

/**
 * A message's text with the markdown subset (lib/markdown.ts) as React elements — never HTML:
 * whatever anyone types that is not in the subset shows exactly as typed. Links are bare
 * http(s) URLs only, opening in a new tab without the opener or a referrer. The people the
 * server resolved as mentioned are marked (`@username`, `@everyone`); mentions of me stand out.
 */
export function MessageText(props: { message: Message; myId: string; myUsername: string }) {
  const { message, myId } = props;
  const personOf = usePeople(message.mentions);
  const mentioned = new Map<string, string>(); // lower-cased username → user id
  for (const id of message.mentions) {
    const username = id === myId ? props.myUsername : personOf(id)?.username;
    if (username) mentioned.set(username.toLowerCase(), id);
  }
  /** The class of a resolved mention, or null for a name the server did not resolve. */
  const mentionClass = (name: string): string | null => {
    const everyone = EVERYONE_WORDS.includes(name) && message.mentionsEveryone;
    const userId = mentioned.get(name);
    if (!everyone && !userId) return null;
    const me = (everyone && message.senderId !== myId) || userId === myId;
    return me ? "mention mention-me" : "mention";
  };
  const blocks = useMemo(() => parseMarkdown(message.text), [message.text]);

  const render = new Renderer(mentionClass);
  const only = blocks[0];
  // Plain text, the common case, stays one paragraph.
  if (blocks.length === 0) return <p className="text">{message.text}</p>;
  if (blocks.length === 1 && only?.type === "paragraph")
    return <p className="text">{render.inlines(only.children)}</p>;
  return <div className="text markdown">{render.blocks(blocks)}</div>;
}

/** The parsed text as elements; keys are positions (parts of one text, never reordered). */
class Renderer {
  constructor(private readonly mentionClass: (name: string) => string | null) {}

  blocks(blocks: Block[]): ReactNode[] {
    return blocks.map((block, i) => this.block(block, i));
  }

  inlines(nodes: Inline[]): ReactNode[] {
    return nodes.map((node, i) => this.inline(node, i));
  }

  private block(block: Block, i: number): ReactNode {
    switch (block.type) {
      case "paragraph":
        return <p key={i}>{this.inlines(block.children)}</p>;
      case "code":
        return (
          <pre key={i} className="code-block">
            <code>{block.text}</code>
          </pre>
        );
      case "quote":
        return <blockquote key={i}>{this.blocks(block.children)}</blockquote>;
      case "list": {
        const items = block.items.map((item, n) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: items of one list, in order, never reordered.
          <li key={n}>{this.inlines(item)}</li>
        ));
        return block.ordered ? (
          <ol key={i} start={block.start === 1 ? undefined : block.start}>
            {items}
          </ol>
        ) : (
          <ul key={i}>{items}</ul>
        );
      }
    }
  }

  private inline(node: Inline, i: number): ReactNode {
    switch (node.type) {
      case "text":
        return node.text;
      case "code":
        return <code key={i}>{node.text}</code>;
      case "link":
        return (
          <a key={i} href={node.href} target="_blank" rel="noopener noreferrer nofollow">
            {node.text}
          </a>
        );
      case "mention": {
        const className = this.mentionClass(node.name);
        if (!className) return node.text;
        return (
          <span key={i} className={className} data-mention={node.name}>
            {node.text}
          </span>
        );
      }
      case "strong":
        return <strong key={i}>{this.inlines(node.children)}</strong>;
      case "em":
        return <em key={i}>{this.inlines(node.children)}</em>;
      case "strike":
        return <s key={i}>{this.inlines(node.children)}</s>;
    }
  }
}
