/**
 * Okabe–Ito colours: distinguishable with every common colour-vision deficiency and legible
 * on both the light and the dark theme. "Other" is a neutral grey.
 */
export const SERIES_COLOURS = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#F0E442",
] as const
export const OTHER_COLOUR = "#999999"
export const MAX_SERIES = SERIES_COLOURS.length
