// The confirmation window's input delay (src/ui/input-delay.ts): Pay answers only after the window
// has been visible and focused for the whole delay, counted again from every refocus.
import { describe, expect, it } from 'vitest';
import { InputGate, PAY_INPUT_DELAY_MS } from '../../src/ui/input-delay.ts';

describe('input delay', () => {
  it('is between 500 and 1,000 ms, as browsers use for their own prompts', () => {
    expect(PAY_INPUT_DELAY_MS).toBeGreaterThanOrEqual(500);
    expect(PAY_INPUT_DELAY_MS).toBeLessThanOrEqual(1000);
  });

  it('opens only after the window has been visible and focused for the whole delay', () => {
    const gate = new InputGate(1000);
    // Shown but not focused (a page behind keeps the keyboard): never ready.
    gate.update(false, 0);
    expect(gate.ready(5000)).toBe(false);
    expect(gate.remaining(5000)).toBeUndefined();
    gate.update(true, 5000);
    expect(gate.ready(5999)).toBe(false);
    expect(gate.remaining(5600)).toBe(400);
    // Still active: staying active does not restart the count.
    gate.update(true, 5500);
    expect(gate.ready(6000)).toBe(true);
  });

  it('starts over after losing focus or visibility, and after every refocus', () => {
    const gate = new InputGate(1000);
    gate.update(true, 0);
    expect(gate.ready(1000)).toBe(true);
    gate.update(false, 1200);
    expect(gate.ready(1300)).toBe(false);
    gate.refocused(2000);
    gate.update(true, 2000);
    expect(gate.ready(2999)).toBe(false);
    expect(gate.ready(3000)).toBe(true);
    // A focus event while we believed it focused still restarts the delay.
    gate.refocused(3100);
    expect(gate.ready(3500)).toBe(false);
    expect(gate.ready(4100)).toBe(true);
  });
});
