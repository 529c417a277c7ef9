/** Filled in with the history rollups: growth per check per day over 30 simulated days. */
export async function measureStorage() {
  return {
    days: 30,
    steadyFromDay: 3,
    steadyBytesPerCheckPerDay: Number.NaN,
    rawBytesPerCheckPerDay: Number.NaN,
    totalBytesPerCheck: Number.NaN,
  };
}
