// A journalist's session typed by the generated contested.d.ts (docs/clients.md):
// create a claim naming actors by slug, add a denial and an evidence item, read the
// dossier, page through the list. tsc --noEmit --strict checks it against the types.
import type {
  ClaimCreate,
  ClaimDossier,
  ClaimPage,
  DisputeStatus,
  EvidenceCreate,
  EvidencePublic,
  Problem,
  Rating,
  ResponseCreate,
  ResponsePublic,
  paths,
} from "./contested";

type ListQuery = NonNullable<paths["/v1/claims"]["get"]["parameters"]["query"]>;

const base = "http://127.0.0.1:8000";
const key = "ck_example";

class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail ?? ""}`);
  }
}

async function call<T>(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;
  const response = await fetch(base + path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new ProblemError((await response.json()) as Problem);
  return (await response.json()) as T;
}

export async function session(): Promise<string[]> {
  const claim: ClaimCreate = {
    proposition: "A KTJ cell coordinated from Syria planned attacks in Volgograd.",
    claimant: "fsb",
    accused: ["ktj"],
    stated_on: "2020-10-15",
    stated_on_precision: "day",
    sources: [{ title: "FSB statement", publisher: "fsb", kind: "official_statement", locator: "paragraph 1" }],
  };
  const created = await call<ClaimDossier>("POST", "/v1/claims", claim, crypto.randomUUID());

  const denial: ResponseCreate = { responder: "ktj", stance: "denies", stated_on: "2020-10-16" };
  await call<ResponsePublic>("POST", `/v1/claims/${created.id}/responses`, denial);
  const evidence: EvidenceCreate = {
    summary: "Photographs of seized explosives released by the FSB.",
    kind: "photo",
    bearing: "supports",
    reliability: "B",
    credibility: 2,
  };
  await call<EvidencePublic>("POST", `/v1/claims/${created.id}/evidence`, evidence);

  const dossier = await call<ClaimDossier>("GET", `/v1/claims/${created.id}`);
  const status: DisputeStatus = dossier.dispute.status;
  const rating: Rating = dossier.verdict.rating;
  const lag: number | null = dossier.dispute.response_lag_days;
  const accusedReplies = dossier.responses.filter((r) => r.by_accused).map((r) => r.stance);
  const supporting = dossier.evidence.supports.map((e) => `${e.summary} (${e.weight})`);
  const firstAccused: string | undefined = dossier.accused[0]?.slug;

  const propositions: string[] = [];
  let query: ListQuery = { accused: "ktj", limit: 2 };
  for (;;) {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    const page = await call<ClaimPage>("GET", `/v1/claims?${params}`);
    propositions.push(...page.items.map((item) => item.proposition));
    if (page.next_cursor === null) break;
    query = { ...query, cursor: page.next_cursor };
  }
  return [status, rating, String(lag), ...accusedReplies, ...supporting, firstAccused ?? "", ...propositions];
}
