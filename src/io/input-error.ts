/** A problem found in an input file, always naming the file and, where known, line and field. */
import { CeirError } from '../errors.ts';

export interface InputProblem {
  file: string;
  line?: number;
  column?: string;
  rule: string;
  message: string;
  value?: string;
}

export function formatProblem(p: InputProblem): string {
  const where = [p.file, p.line !== undefined ? `line ${p.line}` : undefined, p.column ? `column ${p.column}` : undefined]
    .filter(Boolean)
    .join(', ');
  return `${where}: ${p.message} [${p.rule}]`;
}

/** Thrown when a file cannot be read as the expected format at all. */
export class InputError extends CeirError {
  readonly problem: InputProblem;
  constructor(problem: InputProblem) {
    super('CEIR_ERR_INPUT_REFUSED', formatProblem(problem), problem);
    this.problem = problem;
  }
}

/** Show a value in a message without flooding the terminal. */
export function preview(v: string, max = 40): string {
  const printable = v.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}
