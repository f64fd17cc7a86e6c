using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LinuxDevices.Native;

namespace Linuxdev;

/// <summary>
/// linuxdev's one exit-code table (docs/Linuxdev.md). Every command returns one of these.
/// </summary>
internal static class ExitCode
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The device or kernel refused or failed (errno in the message), or the device is gone.</summary>
    public const int DeviceError = 1;

    /// <summary>Bad command line: unknown option, a value that does not parse, an invalid combination.</summary>
    public const int Usage = 2;

    /// <summary>The named device, channel, control or file does not exist (<see cref="DeviceNotFoundException"/>, ENOENT/ENODEV).</summary>
    public const int NotFound = 3;

    /// <summary>A bug in linuxdev or the SDK (an exception no row of the table covers); the stack trace goes to stderr.</summary>
    public const int Internal = 70;

    /// <summary>Permission denied (EACCES/EPERM, read-only or root-only devices).</summary>
    public const int Permission = 13;

    /// <summary>The device does not support the operation (ENOTTY/EOPNOTSUPP/...).</summary>
    public const int NotSupported = 95;

    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Cancelled = 130;
}

/// <summary>
/// Shared plumbing for linuxdev commands: one error wrapper mapping the SDK's typed exceptions to
/// <see cref="ExitCode"/> with one message format (<c>linuxdev AREA: message</c>), typed option
/// parsers (numbers in decimal or 0x hex, hex byte strings), and <c>--json</c> output through
/// source-generated System.Text.Json metadata (trim/AOT-safe). Any command module can adopt it.
/// </summary>
internal static class Cli
{
    /// <summary>Runs a command body, mapping exceptions to an exit code and a one-line message on stderr.</summary>
    public static int Run(string area, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (Classify(ex) is { } code)
        {
            Console.Error.WriteLine($"linuxdev {area}: {ex.Message}");
            return code;
        }
    }

    /// <summary>
    /// The wrapper Program.cs puts around every command: what a command's body let escape is reported
    /// in the one format and mapped through the one table; an exception no row covers is a bug, reported
    /// with its stack trace and <see cref="ExitCode.Internal"/>.
    /// </summary>
    public static int Fail(string area, Exception ex)
    {
        if (Classify(ex) is { } code)
        {
            Console.Error.WriteLine($"linuxdev {area}: {ex.Message}");
            return code;
        }

        Console.Error.WriteLine($"linuxdev {area}: internal error: {ex}");
        return ExitCode.Internal;
    }

    /// <summary>Async form of <see cref="Run(string, Func{int})"/>.</summary>
    public static async Task<int> RunAsync(string area, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (Classify(ex) is { } code)
        {
            Console.Error.WriteLine($"linuxdev {area}: {ex.Message}");
            return code;
        }
    }

    /// <summary>The exit code for an exception, or <see langword="null"/> for a bug (let it crash).</summary>
    public static int? Classify(Exception ex) => ex switch
    {
        DevicePermissionException or UnauthorizedAccessException => ExitCode.Permission,
        DeviceNotFoundException or FileNotFoundException or DirectoryNotFoundException => ExitCode.NotFound,
        DeviceException { Errno: Errno.ENOENT or Errno.ENODEV } => ExitCode.NotFound,
        DeviceNotSupportedException => ExitCode.NotSupported,
        UsageException or FormatException or ArgumentException => ExitCode.Usage,
        OperationCanceledException => ExitCode.Cancelled,
        DeviceException or InvalidOperationException or IOException => ExitCode.DeviceError,
        _ => null,
    };

    /// <summary>The standard <c>--json</c> flag.</summary>
    public static Option<bool> JsonOption() => new("--json") { Description = "Machine-readable JSON on stdout (schema in docs/Linuxdev.md)." };

    /// <summary>A non-negative integer option accepting decimal or 0x hex; parse errors are usage errors.</summary>
    public static Option<long> NumberOption(string name, string description, bool required = false, long? defaultValue = null)
    {
        var o = new Option<long>(name)
        {
            Description = description,
            Required = required,
            CustomParser = r => ParseNumberToken(r, name),
        };
        if (defaultValue is { } d)
        {
            o.DefaultValueFactory = _ => d;
        }

        return o;
    }

    /// <summary>A hex byte-string option (<c>'de ad be ef'</c>, <c>de:ad:be:ef</c>, <c>deadbeef</c>).</summary>
    public static Option<byte[]> HexOption(string name, string description, bool required = false) => new(name)
    {
        Description = description,
        Required = required,
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
            if (TryParseHex(text, out var bytes))
            {
                return bytes;
            }

            r.AddError($"{name} '{text}' is not hex bytes (an even number of hex digits; spaces and colons allowed)");
            return [];
        },
    };

    /// <summary>Parses decimal or 0x hex; <see langword="null"/> when it is neither.</summary>
    public static long? ParseNumber(string text) => SysfsTree.ParseInt64(text) is { } v and >= 0 ? v : null;

    /// <summary>Parses hex bytes, ignoring whitespace and colons.</summary>
    public static bool TryParseHex(string text, out byte[] bytes)
    {
        var digits = new string(text.Where(ch => !char.IsWhiteSpace(ch) && ch != ':' && ch != '-').ToArray());
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
        }

        try
        {
            bytes = Convert.FromHexString(digits);
            return bytes.Length > 0;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    /// <summary>Writes one JSON document (indented, newline-terminated) to stdout.</summary>
    public static void WriteJson<T>(T value, JsonTypeInfo<T> type)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            JsonSerializer.Serialize(w, value, type);
        }

        stdout.Write("\n"u8);
    }

    /// <summary>Formats bytes as a MAC address (<c>aa:bb:cc:dd:ee:ff</c>).</summary>
    public static string Mac(ReadOnlySpan<byte> b) => string.Join(':', b.ToArray().Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));

    private static long ParseNumberToken(ArgumentResult r, string name)
    {
        var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
        if (ParseNumber(text) is { } v)
        {
            return v;
        }

        r.AddError($"{name} '{text}' is not a non-negative number (decimal or 0x hex)");
        return 0;
    }
}

/// <summary>A command-line mistake found after parsing (exit code <see cref="ExitCode.Usage"/>).</summary>
internal sealed class UsageException(string message) : Exception(message);
