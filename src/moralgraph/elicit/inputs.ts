/** Validated inputs shared by the web app and the CLI. */
import { z } from 'zod';
import type { NewDeliberation } from '../../store/elicit-repos.ts';

/**
 * A deliberation as an admin writes it (the admin API's body, or a YAML/JSON file for
 * `tenet elicit create`): a title, 1–20 questions, optional seed contexts and settings.
 */
export const DeliberationSpecSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(5000).optional(),
    questions: z.array(z.object({ title: z.string().max(200).default(''), text: z.string().trim().min(1).max(5000) }).strict()).min(1).max(20),
    seedContexts: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
    settings: z
      .object({
        valuesToShow: z.number().int().min(2).max(20).optional(),
        minValuePicks: z.number().int().min(1).max(20).optional(),
        votesPerParticipant: z.number().int().min(1).max(20).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type DeliberationSpec = z.output<typeof DeliberationSpecSchema>;

/** The spec as the repositories take it. */
export function toNewDeliberation(spec: DeliberationSpec): NewDeliberation {
  return {
    title: spec.title,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    questions: spec.questions.map((q) => ({ title: q.title, text: q.text })),
    ...(spec.seedContexts ? { seedContexts: spec.seedContexts } : {}),
    ...(spec.settings ? { settings: Object.fromEntries(Object.entries(spec.settings).filter(([, v]) => v !== undefined)) } : {}),
  };
}
