import { describeSelector, onlyMay, selects } from "./classify.ts";
import { ALLOWED, type Decision, deny } from "./decision.ts";
import type { Person } from "./facts.ts";
import type { PolicyRules } from "./rules.ts";

/** Whether `actor` may open a support conversation with the staff of role `desk`. */
export function canOpenSupport(rules: PolicyRules, actor: Person, desk: string): Decision {
  if (!rules.support.desks.includes(desk))
    return deny(
      "support.desks",
      rules.support.desks.length === 0
        ? "This school has no support desks."
        : `Support conversations can be opened with ${describeSelector(rules.support.desks)}.`,
    );
  return selects(rules, rules.support.openers, actor)
    ? ALLOWED
    : deny("support.openers", onlyMay(rules.support.openers, "open support conversations"));
}
