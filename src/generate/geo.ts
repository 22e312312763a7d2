/**
 * The synthetic country's geography for the optional location column: cities spread over a
 * box about 1000 km on a side, sized by a Zipf law, each covered by radio cells (a cell table
 * `cell_id,lat,lon`). Big cities have more cells and a wider footprint.
 */
import { mix32, type Rng } from './prng.ts';

/** South-west corner and size (degrees) of the country box: ~1000 km × ~1000 km near 8.5°N. */
const LAT0 = 4.0;
const LON0 = 15.0;
const LAT_SPAN = 9.0;
const LON_SPAN = 9.1;
const KM_PER_DEG = 111.2;

export interface City {
  index: number;
  lat: number;
  lon: number;
  /** Relative population. */
  weight: number;
  /** Cells [firstCell, firstCell + cellCount) belong to this city. */
  firstCell: number;
  cellCount: number;
}

export interface Geography {
  cities: City[];
  /** Cell ids (decimal strings), indexed by cell number. */
  cellIds: string[];
  cellLat: Float64Array;
  cellLon: Float64Array;
  /** City of each cell. */
  cellCity: Uint16Array;
  /** Cumulative population shares of the cities (last = 1), to pick a city by population. */
  cityCum: Float64Array;
}

/** Great-circle distance in km (haversine). */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r;
  const dLon = (lon2 - lon1) * r;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)));
}

export function cityDistanceKm(a: City, b: City): number {
  return distanceKm(a.lat, a.lon, b.lat, b.lon);
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

/** Cities and cells for a country of `subscribers` subscribers. */
export function buildGeography(rng: Rng, subscribers: number): Geography {
  const nCities = clamp(Math.round(Math.sqrt(subscribers) / 3), 8, 60);
  const totalCells = clamp(Math.round(subscribers / 25), 60, 50_000);
  const cities: City[] = [];
  for (let i = 0; i < nCities; i++) {
    let lat = 0;
    let lon = 0;
    for (let tries = 0; tries < 50; tries++) {
      lat = LAT0 + rng.float() * LAT_SPAN;
      lon = LON0 + rng.float() * LON_SPAN;
      if (cities.every((c) => distanceKm(c.lat, c.lon, lat, lon) >= 40)) break;
    }
    cities.push({ index: i, lat, lon, weight: 1 / (i + 1), firstCell: 0, cellCount: 0 });
  }
  const totalWeight = cities.reduce((s, c) => s + c.weight, 0);
  const cellIds: string[] = [];
  const lats: number[] = [];
  const lons: number[] = [];
  const cityOf: number[] = [];
  for (const c of cities) {
    c.firstCell = cellIds.length;
    c.cellCount = Math.max(2, Math.round((totalCells * c.weight) / totalWeight));
    const radiusKm = 3 + 12 * Math.sqrt(c.weight);
    for (let k = 0; k < c.cellCount; k++) {
      const r = radiusKm * Math.sqrt(rng.float());
      const a = rng.float() * 2 * Math.PI;
      lats.push(c.lat + (r * Math.sin(a)) / KM_PER_DEG);
      lons.push(c.lon + (r * Math.cos(a)) / (KM_PER_DEG * Math.cos((c.lat * Math.PI) / 180)));
      cellIds.push(String((c.index + 1) * 100_000 + k + 1));
      cityOf.push(c.index);
    }
  }
  return {
    cities,
    cellIds,
    cellLat: Float64Array.from(lats),
    cellLon: Float64Array.from(lons),
    cellCity: Uint16Array.from(cityOf),
    cityCum: Float64Array.from(cities.map((_, i) => cities.slice(0, i + 1).reduce((t, c) => t + c.weight, 0) / totalWeight)),
  };
}

/** A city at least `minKm` from `from` (the farthest one when none is that far). */
export function distantCity(geo: Geography, rng: Rng, from: City, minKm: number): City {
  const far = geo.cities.filter((c) => cityDistanceKm(c, from) >= minKm);
  if (far.length > 0) return rng.pick(far);
  return geo.cities.reduce((best, c) => (cityDistanceKm(c, from) > cityDistanceKm(best, from) ? c : best));
}

/** A uniformly chosen cell of a city, from a 32-bit hash. */
export function cellIn(city: City, u32: number): number {
  return city.firstCell + (u32 % city.cellCount);
}

/** Data lines of `cells.csv` (`cell_id,lat,lon`). */
export function* cellLines(geo: Geography): Generator<string> {
  for (let i = 0; i < geo.cellIds.length; i++) {
    yield `${geo.cellIds[i]},${geo.cellLat[i].toFixed(5)},${geo.cellLon[i].toFixed(5)}\n`;
  }
}

/**
 * The cell a device is in on a day, from a per-device seed and a per-day hash: mostly its home
 * cell, sometimes another cell of its city, rarely another city (a trip). Stateless, so the
 * two IMEIs of one dual-SIM phone (same seed) are always in the same cell.
 */
export function dailyCell(geo: Geography, homeCell: number, deviceSeed: number, dayHash: number): number {
  const h = mix32((deviceSeed ^ dayHash ^ 0x27d4eb2f) >>> 0);
  const r = h % 1000;
  if (r < 850) return homeCell;
  const h2 = mix32(h ^ 0x165667b1);
  if (r < 970) return cellIn(geo.cities[geo.cellCity[homeCell]], h2);
  return cellIn(geo.cities[cityByPopulation(geo, h2 / 0x1_0000_0000)], mix32(h2 ^ 0x85ebca6b));
}

/** The city whose cumulative population share first exceeds `u` (0 ≤ u < 1). */
export function cityByPopulation(geo: Geography, u: number): number {
  const c = geo.cityCum;
  let i = 0;
  while (i < c.length - 1 && u >= c[i]) i++;
  return i;
}
