namespace LinuxDevices.Uio;

/// <summary>The result of waiting for a UIO interrupt.</summary>
/// <param name="Count">The device's total interrupt count (the 32-bit value read(2) returns).</param>
/// <param name="Missed">How many interrupts happened since the previous wait on this handle besides
/// the one reported (0 when none was missed).</param>
public readonly record struct UioInterruptEvent(int Count, int Missed);
