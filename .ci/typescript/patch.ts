// Compiled by .ci/typescript.sh against types generated from openapi/openapi.json with
// openapi-typescript: a client must be able to express what the API accepts.
import type { paths } from "./newsdesk";

type Patch =
  paths["/v1/articles/{id}"]["patch"]["requestBody"]["content"]["application/merge-patch+json"];
type Create = paths["/v1/articles"]["post"]["requestBody"]["content"]["application/json"];

// A PATCH of one field.
export const retitle: Patch = { title: "Unity Day: communities in 40 countries" };
// null clears an optional field.
export const clearSubtitle: Patch = { subtitle: null, featured: false };
// A partial feature image is a merge too.
export const newAlt: Patch = { feature_image: { alt: "Candles at a vigil in Kyiv" } };
// @ts-expect-error the title cannot be cleared
export const noTitle: Patch = { title: null };
// @ts-expect-error a member the article does not have
export const typo: Patch = { titel: "x" };

// A create still needs its title.
// @ts-expect-error title is required on create
export const untitled: Create = { body_markdown: "x" };
export const created: Create = { title: "Shchedryk in Kyiv", tags: ["#StandWithUkraine"] };
