/**
 * Types of the generated module vendor/zod.js (dev/vendor_build.ts): zod's own. A type-only
 * reference: Supabase's bundler builds the code graph only, so the npm package never enters a
 * deploy bundle through this file.
 */
export * from "zod";
export { default } from "zod";
