using System.Globalization;

namespace DistillKit.Cli;

/// <summary>Parsed <c>--name value</c> / <c>--flag</c> options and positional arguments of a command.</summary>
public sealed class CliArgs
{
    public List<string> Positional { get; } = new();
    readonly Dictionary<string, List<string>> _opts = new();

    public static CliArgs Parse(string[] args)
    {
        var r = new CliArgs();
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--")) { r.Positional.Add(a); continue; }
            var name = a[2..];
            string value = "true";
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--")) value = args[++i];
            if (!r._opts.TryGetValue(name, out var list)) r._opts[name] = list = new();
            list.Add(value);
        }
        return r;
    }

    public bool Has(string name) => _opts.ContainsKey(name);
    public string? Str(string name) => _opts.TryGetValue(name, out var v) ? v[^1] : null;
    public string Str(string name, string fallback) => Str(name) ?? fallback;
    public IReadOnlyList<string> All(string name) => _opts.TryGetValue(name, out var v) ? v : Array.Empty<string>();

    public string Required(string name) => Str(name) ?? throw new ArgumentException($"missing required option --{name}");

    public int Int(string name, int fallback)
    {
        var s = Str(name);
        if (s is null) return fallback;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"--{name} expects an integer, got '{s}'");
    }

    public double Double(string name, double fallback)
    {
        var s = Str(name);
        if (s is null) return fallback;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"--{name} expects a number, got '{s}'");
    }
}
