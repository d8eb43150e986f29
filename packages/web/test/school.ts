import type { UserAccount } from "@hallway/protocol";
import { type Api, expectStatus } from "../../server/test/api.ts";

export const PASSWORD = "hallway-test-password";

export interface Person {
  id: string;
  username: string;
  displayName: string;
}

/** A local account with a known password, created by the admin. */
export async function createPerson(
  admin: Api,
  person: { username: string; displayName: string; role: string; externalId?: string },
): Promise<Person> {
  const account = expectStatus<UserAccount>(
    await admin.post("/api/v1/users", { ...person, password: PASSWORD }),
    201,
  );
  return { id: account.id, username: account.username, displayName: account.displayName };
}

/** The teacher and the mother of the scenarios below. */
const AMAL_HADDAD = {
  username: "amal.haddad",
  displayName: "Amal Haddad",
  role: "teacher",
  externalId: "T-100",
};
const CLAIRE_MARTIN = {
  username: "claire.martin",
  displayName: "Claire Martin",
  role: "parent",
  externalId: "P-1",
};

/** A teacher and a parent whose child is in the teacher's class: created by the admin, linked by a directory sync. */
export async function teacherAndParent(admin: Api): Promise<{ teacher: Person; parent: Person }> {
  const teacher = await createPerson(admin, AMAL_HADDAD);
  const parent = await createPerson(admin, CLAIRE_MARTIN);
  expectStatus(
    await admin.post("/api/v1/directory/sync", {
      users: [{ externalId: "S-1", role: "student", displayName: "Chloe Martin" }],
      sections: [{ externalId: "7A", name: "Class 7A", teacherIds: ["T-100"], studentIds: ["S-1"] }],
      guardians: [{ parentId: "P-1", studentIds: ["S-1"] }],
    }),
    200,
  );
  return { teacher, parent };
}

/**
 * Class 7B: Amal Haddad teaches Chloe and Leo Martin (twins); Claire Martin is their mother.
 * The directory sync makes the class's section group (teacher and students).
 */
export async function classWithFamily(
  admin: Api,
): Promise<{ teacher: Person; chloe: Person; leo: Person; parent: Person }> {
  const teacher = await createPerson(admin, AMAL_HADDAD);
  const chloe = await createPerson(admin, {
    username: "chloe.martin",
    displayName: "Chloe Martin",
    role: "student",
    externalId: "S-1",
  });
  const leo = await createPerson(admin, {
    username: "leo.martin",
    displayName: "Leo Martin",
    role: "student",
    externalId: "S-2",
  });
  const parent = await createPerson(admin, CLAIRE_MARTIN);
  expectStatus(
    await admin.post("/api/v1/directory/sync", {
      sections: [{ externalId: "7B", name: "Class 7B", teacherIds: ["T-100"], studentIds: ["S-1", "S-2"] }],
      guardians: [{ parentId: "P-1", studentIds: ["S-1", "S-2"] }],
    }),
    200,
  );
  return { teacher, chloe, leo, parent };
}
