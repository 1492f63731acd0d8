/** A module without a Method (test). @module */
export const answer = 42;
