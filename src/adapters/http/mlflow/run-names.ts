import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'amazing', 'bold', 'brave', 'bright', 'calm', 'capable', 'clean', 'clever', 'crisp', 'daring', 'eager', 'fearless',
  'gentle', 'glowing', 'honest', 'humble', 'keen', 'kind', 'lively', 'loyal', 'merry', 'nimble', 'polite', 'proud',
  'quick', 'quiet', 'rare', 'sharp', 'silent', 'smooth', 'steady', 'swift', 'tidy', 'vast', 'warm', 'wise',
];
const NOUNS = [
  'ant', 'badger', 'bear', 'bee', 'crane', 'crow', 'deer', 'dove', 'eagle', 'elk', 'finch', 'fox', 'gull', 'hare',
  'hawk', 'heron', 'ibis', 'jay', 'koi', 'lark', 'lynx', 'mole', 'moth', 'newt', 'otter', 'owl', 'panda', 'quail',
  'raven', 'seal', 'shrew', 'snail', 'swan', 'toad', 'wolf', 'wren',
];

function pick(words: readonly string[]): string {
  return words[randomInt(words.length)] as string;
}

/** A readable name for a run that was given none, as MLflow gives: `bold-fox-123`. */
export function randomRunName(): string {
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(1000)}`;
}
