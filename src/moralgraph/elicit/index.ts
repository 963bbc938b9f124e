/**
 * Moral Graph Elicitation: the LLM steps (interview, card articulation and validation, deduplication,
 * contexts, upgrade stories), the service the web app runs on, and the bridge from the elicitation store
 * to the moral graph. The web app itself is in src/server/.
 */
export { ELICIT_PROMPTS, elicitPrompt, fillPrompt, type ElicitPromptName, type PromptTemplate } from './prompts.ts';
export {
  articulateCard,
  cardQualityIssues,
  cardRuleIssues,
  critiqueCard,
  formatCard,
  isSubmittable,
  transcriptText,
  type ArticulateInput,
  type ArticulateOptions,
  type ArticulatedCard,
} from './articulate.ts';
export {
  CARD_SHOWN_TEXT,
  CONFIRM_FIRST_TEXT,
  NEED_MORE_TEXT,
  SHOW_CARD_TOOL,
  SUBMIT_CARD_TOOL,
  SUBMITTED_TEXT,
  interviewMessages,
  interviewPromptVersion,
  interviewTurn,
  participantAnsweredCard,
  type InterviewOptions,
  type InterviewOutcome,
  type InterviewState,
} from './interview.ts';
export {
  cardEmbeddingText,
  cosineSimilarity,
  judgeEquivalence,
  nearest,
  type Candidate,
  type EquivalenceVerdict,
} from './dedupe.ts';
export { cleanContext, extractContexts, proposeUpgrades, type ExtractedContexts, type UpgradeProposal } from './hypotheses.ts';
export {
  deliberationData,
  deliberationGraph,
  exportDeliberationGraph,
  graphValueOf,
  graphView,
  type CyEdge,
  type CyNode,
  type DeliberationData,
  type GraphMode,
  type GraphView,
} from './graph.ts';
export {
  CONFIRM_TEXT,
  MAX_MESSAGE_CHARS,
  createElicitService,
  hashToken,
  newToken,
  type CardView,
  type ChatEvent,
  type ChatView,
  type ElicitService,
  type ElicitServiceOptions,
  type ParticipantOverview,
  type PositionView,
  type ValueDraw,
  type VoteQuestion,
} from './service.ts';
export * from '../../store/elicit-repos.ts';
export { DeliberationSpecSchema, toNewDeliberation, type DeliberationSpec } from './inputs.ts';
