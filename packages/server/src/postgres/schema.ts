import type { ColumnType, Generated } from "kysely";

/** Kysely's view of the tables; migrations/ is the source of truth for their SQL. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type BigSeq = ColumnType<number, number | undefined, number>;

export interface RolesTable {
  name: string;
  label: string;
  is_staff: boolean;
  created_at: Generated<Date>;
}

export interface UsersTable {
  id: Generated<string>;
  external_id: string | null;
  username: string;
  email: string | null;
  display_name: string;
  avatar_url: string | null;
  role: string;
  active: Generated<boolean>;
  password_hash: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  last_seen_at: Date | null;
  status_text: Generated<string | null>;
  status_emoji: Generated<string | null>;
  status_expires_at: Generated<Date | null>;
  invisible: Generated<boolean>;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  access_token_hash: Buffer;
  access_expires_at: Timestamp;
  refresh_token_hash: Buffer;
  refresh_expires_at: Timestamp;
  method: string;
  user_agent: string | null;
  created_at: Generated<Date>;
  revoked_at: Date | null;
}

export interface SectionsTable {
  id: Generated<string>;
  external_id: string;
  name: string;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SectionMembersTable {
  section_id: string;
  user_id: string;
  role: "teacher" | "student";
}

export interface GuardianLinksTable {
  parent_id: string;
  student_id: string;
}

export interface ConversationsTable {
  id: Generated<string>;
  kind: string;
  name: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  last_seq: Generated<BigSeq>;
  direct_key: string | null;
  section_id: string | null;
  metadata: Generated<unknown>;
  section_group_for: Generated<"students" | "parents">;
  audience: unknown | null;
  support_desk: string | null;
  support_requester_id: string | null;
  support_status: "open" | "claimed" | "resolved" | null;
  support_claimed_by: string | null;
  support_resolved_at: Date | null;
  slow_mode_seconds: Generated<number>;
  legal_hold: Generated<boolean>;
}

export interface MembersTable {
  conversation_id: string;
  user_id: string;
  role: Generated<"admin" | "member">;
  joined_at: Generated<Date>;
  left_at: Date | null;
  last_read_seq: Generated<BigSeq>;
  last_delivered_seq: Generated<BigSeq>;
  muted: Generated<boolean>;
  archived: Generated<boolean>;
  pinned: Generated<boolean>;
  muted_until: Date | null;
  banned_at: Date | null;
  last_posted_at: Date | null;
}

export interface MessagesTable {
  id: Generated<string>;
  conversation_id: string;
  seq: BigSeq;
  sender_id: string | null;
  kind: string;
  body: string;
  system: unknown | null;
  client_id: string | null;
  created_at: Generated<Date>;
  edited_at: Date | null;
  deleted_at: Date | null;
  removed_by: Generated<string | null>;
  flagged: Generated<boolean>;
}

export interface EventsTable {
  conversation_id: string;
  seq: BigSeq;
  type: string;
  message_id: string | null;
  actor_id: string | null;
  payload: unknown | null;
  created_at: Generated<Date>;
}

export interface InvitesTable {
  id: Generated<string>;
  conversation_id: string;
  code: string;
  created_by: string;
  created_at: Generated<Date>;
  expires_at: Date;
  max_uses: number | null;
  uses: Generated<number>;
  revoked_at: Date | null;
}

export interface WordFiltersTable {
  id: Generated<string>;
  pattern: string;
  action: "flag" | "mask" | "reject";
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface ReportsTable {
  id: Generated<string>;
  message_id: string;
  conversation_id: string;
  reporter_id: string | null;
  reason: string;
  status: Generated<"open" | "resolved" | "dismissed">;
  created_at: Generated<Date>;
  resolved_by: string | null;
  resolved_at: Date | null;
  resolution: string | null;
}

export interface SchoolSettingsTable {
  key: string;
  value: unknown;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Generated<Date>;
  actor_id: string | null;
  actor_kind: "user" | "service" | "system";
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Generated<unknown>;
  ip: string | null;
}

export interface Database {
  roles: RolesTable;
  users: UsersTable;
  sessions: SessionsTable;
  sections: SectionsTable;
  section_members: SectionMembersTable;
  guardian_links: GuardianLinksTable;
  conversations: ConversationsTable;
  members: MembersTable;
  messages: MessagesTable;
  events: EventsTable;
  invites: InvitesTable;
  word_filters: WordFiltersTable;
  reports: ReportsTable;
  school_settings: SchoolSettingsTable;
  audit_log: AuditLogTable;
}
