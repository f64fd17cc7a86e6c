namespace LinuxDevices.Tracing;

/// <summary>
/// The C types print fmt casts and <c>sizeof</c> name, sized for the traced kernel
/// (<c>long</c>, <c>size_t</c> and pointers are its <c>sizeof(long)</c>).
/// </summary>
internal static class CTypes
{
    /// <summary>The size of a C type on the traced kernel, or null when unknown.</summary>
    public static long? SizeOf(string type, int longSize)
    {
        var t = type.Replace("const ", string.Empty, StringComparison.Ordinal).Replace("volatile ", string.Empty, StringComparison.Ordinal).Trim();
        if (t.EndsWith('*'))
        {
            return longSize;
        }

        t = t.Replace("unsigned ", string.Empty, StringComparison.Ordinal).Replace("signed ", string.Empty, StringComparison.Ordinal).Trim();
        return t switch
        {
            "u8" or "s8" or "char" or "bool" or "_Bool" or "__u8" or "__s8" => 1,
            "u16" or "s16" or "short" or "short int" or "__u16" or "__s16" or "__le16" or "__be16" => 2,
            "u32" or "s32" or "int" or "unsigned" or "signed" or "__u32" or "__s32" or "__le32" or "__be32" or "pid_t" or "gfp_t" => 4,
            "u64" or "s64" or "long long" or "long long int" or "__u64" or "__s64" or "__le64" or "__be64" or "loff_t" or "ktime_t" => 8,
            "long" or "long int" or "size_t" or "ssize_t" or "ptrdiff_t" or "uintptr_t" or "intptr_t" => longSize,
            _ => null,
        };
    }

    /// <summary>Whether a cast to the type sign-extends.</summary>
    public static bool IsSigned(string type)
    {
        var t = type.Trim();
        return !(t.StartsWith("unsigned", StringComparison.Ordinal) || t.StartsWith('u') || t.StartsWith("__u", StringComparison.Ordinal)
            || t.StartsWith("__le", StringComparison.Ordinal) || t.StartsWith("__be", StringComparison.Ordinal)
            || t is "bool" or "_Bool" or "size_t" or "gfp_t" or "uintptr_t"
            || t is "char"); // the kernel builds with -funsigned-char since 6.2 (and char is unsigned on ARM anyway)
    }

    /// <summary>Whether the text inside parentheses is certainly a type (so <c>(text)x</c> is a cast):
    /// more than one word, a pointer, a <c>_t</c> name, or a basic type.</summary>
    public static bool IsTypeName(string t)
    {
        if (!LooksLikeType(t))
        {
            return false;
        }

        // a bare identifier in parentheses is a type only when it looks like one
        return t.Contains(' ', StringComparison.Ordinal) || t.Contains('*', StringComparison.Ordinal) || t.EndsWith("_t", StringComparison.Ordinal)
            || t is "int" or "long" or "char" or "short" or "unsigned" or "signed" or "u8" or "u16" or "u32" or "u64" or "s8" or "s16" or "s32" or "s64" or "bool";
    }

    /// <summary>Whether the text could be a type: words, spaces and stars, not starting with a digit.</summary>
    public static bool LooksLikeType(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or ' ' or '*'))
            {
                return false;
            }
        }

        var t = s.Trim();
        return !t.IsEmpty && !char.IsAsciiDigit(t[0]);
    }
}
