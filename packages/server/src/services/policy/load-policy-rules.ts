import { readFileSync } from "node:fs";
import type { Config } from "../../config.ts";
import { ConfigError } from "../../config.ts";
import {
  DEFAULT_POLICY_RULES,
  type PolicyRules,
  PolicyRulesError,
  parsePolicyRulesJson,
} from "../../domain/policy/index.ts";

/** The school's rules from HALLWAY_POLICY_FILE, or the defaults; a wrong file stops the start with its problems listed. */
export function loadPolicyRules(config: Pick<Config, "HALLWAY_POLICY_FILE">): PolicyRules {
  const file = config.HALLWAY_POLICY_FILE;
  if (!file) return DEFAULT_POLICY_RULES;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError([
      `HALLWAY_POLICY_FILE=${JSON.stringify(file)}: cannot read it (${(error as Error).message})`,
    ]);
  }
  try {
    return parsePolicyRulesJson(text, file);
  } catch (error) {
    if (error instanceof PolicyRulesError) {
      throw new ConfigError(
        error.issues.map((i) => `HALLWAY_POLICY_FILE ${file}: ${i.path || "(file)"}: ${i.message}`),
      );
    }
    throw error;
  }
}
