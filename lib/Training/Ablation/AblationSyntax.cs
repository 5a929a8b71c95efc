namespace DistillKit.Training.Ablation;

/// <summary>
/// The one-line forms of <c>./kit ablate</c>: a variant <c>NAME:Key=Value[,Key=Value…]</c> and a grid axis
/// <c>Key=v1|v2|…</c>. Commas and bars inside brackets, braces or quotes do not split (<c>Optim.Milestones=[100,200]</c>).
/// </summary>
public static class AblationSyntax
{
    /// <summary>Parses <c>NAME:Key=Value[,Key=Value…]</c>; <c>NAME:</c> alone is the base config under that name.</summary>
    public static AblationVariant Variant(string text)
    {
        int colon = text.IndexOf(':');
        int eq = text.IndexOf('=');
        if (colon <= 0 || eq >= 0 && eq < colon)
            throw new ArgumentException($"--vary {text}: expected NAME:Key=Value[,Key=Value…] (e.g. --vary \"psi only:Phases[1].Weights.psi=1,Phases[1].Weights.census=0\")");
        var settings = Split(text[(colon + 1)..], ',').Where(s => s.Length > 0).ToList();
        foreach (var s in settings)
            if (s.IndexOf('=') <= 0) throw new ArgumentException($"--vary {text}: '{s}' is not Key=Value");
        return new AblationVariant(text[..colon].Trim(), settings);
    }

    /// <summary>Parses <c>Key=v1|v2|…</c>.</summary>
    public static AblationAxis Axis(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"--grid {text}: expected Key=v1|v2|… (e.g. --grid \"Losses.Tau=4|8|16\")");
        var values = Split(text[(eq + 1)..], '|');
        if (values.Any(v => v.Length == 0)) throw new ArgumentException($"--grid {text}: an empty value");
        return new AblationAxis(text[..eq].Trim(), values);
    }

    /// <summary>Seeds as <c>0,1,2</c>.</summary>
    public static IReadOnlyList<long> Seeds(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(s => long.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v
            : throw new ArgumentException($"--seeds {text}: '{s}' is not an integer seed")).ToList();

    /// <summary>Splits at <paramref name="separator"/> outside brackets, braces and double quotes; parts trimmed.</summary>
    public static IReadOnlyList<string> Split(string text, char separator)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '"' && (i == 0 || text[i - 1] != '\\')) quoted = !quoted;
            else if (!quoted && c is '[' or '{') depth++;
            else if (!quoted && c is ']' or '}') depth--;
            else if (!quoted && depth == 0 && c == separator)
            {
                parts.Add(text[start..i].Trim());
                start = i + 1;
            }
        }
        parts.Add(text[start..].Trim());
        return parts;
    }
}
