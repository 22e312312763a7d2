/** Operator files are named `<anything>_<YYYYMMDD>_<YYYYMMDD>.csv` (optionally .gz or .zip). */
import { InputError } from '../io/input-error.ts';
import { dayNumber } from './days.ts';

export interface FilePeriod {
  /** Inclusive day numbers (days since 1970-01-01). */
  start: number;
  end: number;
  startText: string;
  endText: string;
}

export function periodFromFileName(file: string): FilePeriod {
  const m = /_(\d{8})_(\d{8})\.csv(\.gz|\.zip)?$/i.exec(file) ?? /_(\d{8})_(\d{8})(\.gz|\.zip)$/i.exec(file);
  const refuse = (message: string) => {
    throw new InputError({ file, rule: 'file_name', message });
  };
  if (!m) return refuse('an operator file is named <anything>_<YYYYMMDD>_<YYYYMMDD>.csv (optionally .gz or .zip): the name gives its period');
  const start = dayNumber(m[1]);
  const end = dayNumber(m[2]);
  if (start === null || end === null) return refuse(`the period ${m[1]}..${m[2]} in the file name is not made of calendar days`);
  if (end < start) return refuse(`the period in the file name ends (${m[2]}) before it starts (${m[1]})`);
  return { start, end, startText: m[1], endText: m[2] };
}
