/** `geoPoint`: `{"lon":x,"lat":y}` coordinates; `0,0` ("Null Island") is the empty value. */
import { errors, ValidationError } from "../../tools/validation.ts";
import type { FieldBase, FieldType } from "./field.ts";
import { baseProps, readBool, readString } from "./options.ts";

/** A `geoPoint` field as stored in `_collections.fields`. */
export interface GeoPointField extends FieldBase {
  type: "geoPoint";
  help: string;
  required: boolean;
}

/** A geoPoint value (key order lon, lat as PocketBase outputs it). */
export interface GeoPoint {
  lon: number;
  lat: number;
}

/**
 * Casts an object, JSON text or DB value to a point. Like Go's json.Unmarshal into the point
 * struct: keys match case-insensitively, non-number coordinates and bad input leave 0.
 */
export function toGeoPoint(raw: unknown): GeoPoint {
  let source: unknown = raw;
  if (raw instanceof Uint8Array) source = new TextDecoder().decode(raw);
  if (typeof source === "string") {
    try {
      source = source === "" ? null : JSON.parse(source);
    } catch {
      source = null;
    }
  }
  if (source === null || typeof source !== "object" || Array.isArray(source)) return { lon: 0, lat: 0 };
  const obj = source as Readonly<Record<string, unknown>>;
  return { lon: coordinate(obj, "lon"), lat: coordinate(obj, "lat") };
}

function coordinate(obj: Readonly<Record<string, unknown>>, key: string): number {
  const exact = obj[key];
  const value = exact !== undefined ? exact : Object.entries(obj).find(([k]) => k.toLowerCase() === key)?.[1];
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** The `geoPoint` field type. */
export const geoPointField = {
  type: "geoPoint",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "geoPoint",
      help: readString(raw, "help"),
      required: readBool(raw, "required"),
    };
  },

  columnType: () => `JSON DEFAULT '{"lon":0,"lat":0}' NOT NULL`,

  isMultiple: () => false,

  prepareValue: (_field, raw) => toGeoPoint(raw),

  toDbValue(_field, value) {
    const { lon, lat } = toGeoPoint(value);
    return `{"lon":${JSON.stringify(lon)},"lat":${JSON.stringify(lat)}}`;
  },

  toJson(_field, value) {
    const { lon, lat } = toGeoPoint(value);
    return { lon, lat };
  },

  async validateValue(field, value) {
    if (value === null || typeof value !== "object") return errors.unsupportedValueType();
    const { lon, lat } = toGeoPoint(value);
    if (lon === 0 && lat === 0) return field.required ? errors.required() : null;
    if (lat < -90 || lat > 90) {
      return new ValidationError(
        "validation_invalid_latitude",
        "Latitude must be between -90 and 90 degrees.",
      );
    }
    if (lon < -180 || lon > 180) {
      return new ValidationError(
        "validation_invalid_longitude",
        "Longitude must be between -180 and 180 degrees.",
      );
    }
    return null;
  },

  validateSettings: () => ({}),
} satisfies FieldType<GeoPointField>;
