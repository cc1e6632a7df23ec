/**
 * Types of the generated module vendor/jose.js (dev/vendor_build.ts): jose's own. A type-only
 * reference: Supabase's bundler builds the code graph only, so the npm package never enters a
 * deploy bundle through this file.
 */
export * from "jose";
