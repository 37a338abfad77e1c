// Deterministic dataset generator: the same seed and scale give byte-identical rows on every
// machine. Word lists live here rather than in a fake-data library because such libraries
// change their output between versions, and a shootout must be reproducible from its seed.

import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Author, Book, Genre, Review } from './model.ts';
import { GENRES } from './model.ts';
import { withIsbnCheckDigit } from './validation.ts';

export type ScaleName = 'small' | 'default' | 'large';
export type Scale = ScaleName | number;

export interface ScaleCounts {
  authors: number;
  books: number;
  reviews: number;
}

const DEFAULT_COUNTS: ScaleCounts = { authors: 200, books: 2_000, reviews: 10_000 };

/** Row counts for a scale: `small` for tests, `large` ten times `default`, a number multiplies `default`. */
export function countsForScale(scale: Scale): ScaleCounts {
  const factor =
    scale === 'small' ? 0.1 : scale === 'default' ? 1 : scale === 'large' ? 10 : Number(scale);
  if (!Number.isFinite(factor) || factor <= 0 || factor > 100) {
    throw new RangeError(
      `scale must be small, default, large or a number in (0, 100], got ${scale}`,
    );
  }
  return {
    authors: Math.max(1, Math.round(DEFAULT_COUNTS.authors * factor)),
    books: Math.max(1, Math.round(DEFAULT_COUNTS.books * factor)),
    reviews: Math.max(1, Math.round(DEFAULT_COUNTS.reviews * factor)),
  };
}

export function parseScale(text: string): Scale {
  if (text === 'small' || text === 'default' || text === 'large') return text;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 100) {
    throw new RangeError(
      `--scale must be small, default, large or a number in (0, 100], got "${text}"`,
    );
  }
  return n;
}

const FIRST = [
  'Ada',
  'Bram',
  'Chiara',
  'Dmitri',
  'Elif',
  'Farah',
  'Gunnar',
  'Hana',
  'Ines',
  'Jonas',
  'Kenji',
  'Lucia',
  'Mateo',
  'Nadia',
  'Olu',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tomasz',
  'Uma',
  'Viktor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zofia',
];
const LAST = [
  'Abara',
  'Berg',
  'Castillo',
  'Dubois',
  'Eriksen',
  'Fontaine',
  'Garcia',
  'Horvat',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Lindqvist',
  'Moreau',
  'Novak',
  'Okafor',
  'Petrov',
  'Quispe',
  'Rossi',
  'Sato',
  'Tanaka',
  'Usman',
  'Varga',
  'Weber',
  'Xu',
  'Yilmaz',
  'Zhang',
];
const COUNTRIES = [
  'AR',
  'BR',
  'CA',
  'DE',
  'ES',
  'FR',
  'GB',
  'IN',
  'IT',
  'JP',
  'KE',
  'MX',
  'NG',
  'NL',
  'PL',
  'SE',
  'TR',
  'US',
];
const ADJECTIVES = [
  'Silent',
  'Crimson',
  'Hidden',
  'Last',
  'Broken',
  'Golden',
  'Distant',
  'Quiet',
  'Burning',
  'Hollow',
  'Northern',
  'Secret',
  'Endless',
  'Paper',
  'Glass',
  'Iron',
  'Midnight',
  'Wandering',
];
const NOUNS = [
  'River',
  'Garden',
  'Archive',
  'Lighthouse',
  'Orchard',
  'Atlas',
  'Harbour',
  'Library',
  'Comet',
  'Mountain',
  'Voyage',
  'Cartographer',
  'Engine',
  'Island',
  'Letters',
  'Season',
  'Theorem',
  'Kingdom',
];
const TAGS = [
  'award-winner',
  'debut',
  'translated',
  'classic',
  'bestseller',
  'illustrated',
  'series',
  'short',
  'epic',
  'essay',
  'memoir',
  'young-adult',
  'annotated',
  'first-edition',
];
const WORDS = (
  'the of and to in a is that for it as was with be by on not he this are or his from at ' +
  'which but have an they you were her she there been one all we their has would when what ' +
  'time story library river memory letter city winter light voice paper history science ' +
  'journey between through under across against without within where every small large ' +
  'ancient modern careful bright patient strange gentle curious reader author chapter page'
).split(' ');

const BASE_TIME = Date.UTC(2020, 0, 1);
const DAY = 86_400_000;

/** Seeded random source: all randomness of the generator goes through it, in a fixed order. */
class Rng {
  private readonly gen;
  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }
  int(min: number, max: number): number {
    return uniformInt(this.gen, min, max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
  words(count: number): string {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(this.pick(WORDS));
    return out.join(' ');
  }
  /** Sentences of about `chars` characters. */
  text(chars: number): string {
    let out = '';
    while (out.length < chars) {
      const sentence = this.words(this.int(6, 16));
      out += `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}. `;
    }
    return out.trimEnd();
  }
}

export interface Dataset {
  authors: Author[];
  books: Book[];
  reviews: Review[];
}

function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Generates the dataset for (seed, scale). Pure: no clock, no global state. */
export function generateDataset(seed: number, scale: Scale): Dataset {
  const counts = countsForScale(scale);
  const rng = new Rng(seed);
  const authors: Author[] = [];
  for (let id = 1; id <= counts.authors; id++) {
    const born = Date.UTC(1930 + rng.int(0, 70), rng.int(0, 11), rng.int(1, 28));
    authors.push({
      id,
      name: `${rng.pick(FIRST)} ${rng.pick(LAST)}`,
      country: rng.pick(COUNTRIES),
      bio: rng.text(rng.int(120, 300)),
      bornOn: toIso(born).slice(0, 10),
      createdAt: toIso(BASE_TIME + rng.int(0, 365) * DAY + rng.int(0, DAY - 1)),
    });
  }
  // A multiplier coprime with 10^9 spreads sequence numbers over the ISBN space without
  // collisions, so every generated ISBN is unique and valid.
  const isbnOffset = rng.int(0, 999_999);
  const books: Book[] = [];
  for (let id = 1; id <= counts.books; id++) {
    const body = String((id * 7_919 + isbnOffset) % 1_000_000_000).padStart(9, '0');
    const tagCount = rng.int(0, 4);
    const tags: string[] = [];
    for (let t = 0; t < tagCount; t++) {
      const tag = rng.pick(TAGS);
      if (!tags.includes(tag)) tags.push(tag);
    }
    books.push({
      id,
      // Authors own books round-robin first so that every author has books, then at random.
      authorId: id <= counts.authors ? id : rng.int(1, counts.authors),
      title: `The ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}${rng.int(0, 3) === 0 ? ` ${rng.int(2, 9)}` : ''}`,
      isbn: withIsbnCheckDigit(`978${body}`),
      genre: rng.pick(GENRES) as Genre,
      tags,
      priceCents: rng.int(299, 4_999),
      pages: rng.int(48, 1_200),
      publishedAt: toIso(BASE_TIME - rng.int(0, 40 * 365) * DAY),
      description: rng.text(rng.int(900, 1_150)),
    });
  }
  const reviews: Review[] = [];
  for (let id = 1; id <= counts.reviews; id++) {
    reviews.push({
      id,
      bookId: rng.int(1, counts.books),
      reviewer: `${rng.pick(FIRST).toLowerCase()}_${rng.int(1, 999)}`,
      rating: rng.int(1, 5),
      body: rng.text(rng.int(80, 400)),
      createdAt: toIso(BASE_TIME + 400 * DAY + rng.int(0, 900) * DAY + rng.int(0, DAY - 1)),
    });
  }
  return { authors, books, reviews };
}
