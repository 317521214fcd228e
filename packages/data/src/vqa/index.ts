export type { QA, QuestionKind, QuestionOptions } from './questions.js';
export { answerText, countAccessories, makeQuestions } from './questions.js';
