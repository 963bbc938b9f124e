/**
 * The data types the runtime's modules share: a prompt of a prompt set, and a work unit of the sample stage
 * as plain data. They live here, apart from the code, so that the executor, the sample stage and the unit
 * runner import them without importing each other in a circle.
 */
import type { ChatMessage, JsonSchemaRequest, SamplingParams } from '../models/types.ts';
import type { MftFoundationId } from '../values/mft.ts';

/** One prompt of a prompt set. */
export interface PromptTask {
  /** Stable id within its set. */
  id: string;
  prompt: string;
  foundation?: MftFoundationId;
  principle?: string;
  principleId?: string;
}

/** A unit as data: everything a process needs to run it, given a Provider for `model` and the judge. */
export interface SampleUnit {
  runId: string;
  taskId: string;
  /** The prompt as the judge sees it (with its principle and foundation). */
  task: PromptTask;
  /** The messages the model gets (already rendered from the task). */
  messages: ChatMessage[];
  /** The model's canonical spec (`Provider.spec`). */
  model: string;
  /** The base URL the enqueuing process reached the model at (null: the spec's own); in a pg-boss job, without its credentials. */
  baseUrl: string | null;
  /** Sample indices to draw (those not stored yet). */
  indices: number[];
  sampling: SamplingParams;
  /** Ask for structured output matching this schema (e.g. discover's extraction); the raw reply is stored and parsed by the caller. */
  jsonSchema?: JsonSchemaRequest;
}
