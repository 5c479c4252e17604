import { describe, expect, it } from "vitest";
import { ForwardedCommands } from "./forwarded-commands.js";

describe("ForwardedCommands", () => {
  it("knows a forwarded command's type until the TTL has passed", () => {
    const forwarded = new ForwardedCommands(1_000, 10);
    forwarded.add("c1", "voucher", 5_000);
    expect(forwarded.typeOf("c1", 5_999)).toBe("voucher");
    expect(forwarded.typeOf("c1", 6_000)).toBeUndefined();
    expect(forwarded.typeOf("c2", 5_000)).toBeUndefined();
  });

  it("holds at most `max` commands, forgetting the oldest first, and drops expired ones as it goes", () => {
    const forwarded = new ForwardedCommands(1_000, 3);
    for (const [i, id] of ["a", "b", "c", "d"].entries()) forwarded.add(id, "voucher", i);
    expect(forwarded.size).toBe(3);
    expect(["a", "b", "c", "d"].map((id) => forwarded.typeOf(id, 10))).toEqual([
      undefined,
      "voucher",
      "voucher",
      "voucher",
    ]);
    forwarded.add("e", "channel.open", 1_002);
    // b goes to make room; c (forwarded at 2) has expired by 1 002; d (at 3) has not
    expect(forwarded.size).toBe(2);
    expect(forwarded.typeOf("e", 1_002)).toBe("channel.open");
  });

  it("re-forwarding a command restarts its clock", () => {
    const forwarded = new ForwardedCommands(1_000, 3);
    forwarded.add("a", "voucher", 0);
    forwarded.add("a", "voucher", 900);
    expect(forwarded.typeOf("a", 1_500)).toBe("voucher");
  });
});
