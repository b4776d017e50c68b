import { asApiError } from '../../api/errors';

const HAS_HAN = /[\u4e00-\u9fff]/;

/** A refusal as a person reads it: the api's Chinese message, and its fields' Chinese details. */
export function problemText(error: unknown): string {
  const problem = asApiError(error);
  const details = problem.fields
    .map((field) => field.message)
    .filter((message) => HAS_HAN.test(message) && !problem.message.includes(message));
  return details.length > 0 ? `${problem.message}：${details.join('；')}` : problem.message;
}
