using System.Text.Json;
using System.Text.Json.Serialization;
using DistillKit.Training.Recipes;

namespace DistillKit.Training.Ablation;

/// <summary>A named change of the base config: Key=Value settings (<see cref="ConfigOverrides"/>); none = the base itself.</summary>
public sealed record AblationVariant(string Name, IReadOnlyList<string> Settings);

/// <summary>One axis of a grid: a config key and the values it takes (each a Key=Value value: JSON, else a string).</summary>
public sealed record AblationAxis(string Key, IReadOnlyList<string> Values);

/// <summary>
/// An ablation: a registered recipe at a preset, settings shared by every run, the variants (named lists of settings,
/// or the cartesian product of <see cref="Grid"/> axes, or both: each variant with each grid point), the seeds each
/// variant runs with, and the metrics to tabulate (paths into the run record's <c>metrics</c>, e.g. <c>Model.EpeAll</c>;
/// none = every number the first finished run recorded). Immutable; JSON through <see cref="Load"/> and <see cref="ToJson"/>:
/// <code>{"recipe": "stage1", "preset": "smoke", "steps": 8, "base": ["Data.EvalPairs=4"],
///  "variants": [{"name": "psi only", "settings": ["Phases[1].Weights.psi=1", "Phases[1].Weights.census=0"]}],
///  "grid": [{"key": "Optim.LearningRate", "values": ["1e-3", "5e-4"]}], "seeds": [0, 1], "metrics": ["Model.EpeAll"]}</code>
/// </summary>
public sealed record AblationSpec
{
    /// <summary>A name of <see cref="RecipeRegistry"/> (stage1, mdflow-forward, …).</summary>
    public required string Recipe { get; init; }
    public Preset Preset { get; init; } = Preset.Mini;

    /// <summary>Total steps of every run (the loss phases rescaled, as <c>./kit train --steps</c>); null = the preset's.</summary>
    public long? Steps { get; init; }

    /// <summary>A JSON file merged over the preset's config before any setting (as <c>./kit train --config</c>); optional.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Key=Value settings applied to every run, before the variant's own.</summary>
    public IReadOnlyList<string> Base { get; init; } = [];
    public IReadOnlyList<AblationVariant> Variants { get; init; } = [];
    public IReadOnlyList<AblationAxis> Grid { get; init; } = [];
    public IReadOnlyList<long> Seeds { get; init; } = [0];
    public IReadOnlyList<string> Metrics { get; init; } = [];

    /// <summary>
    /// The runs' variants in order: <see cref="Variants"/>, each combined with every point of <see cref="Grid"/> (named
    /// <c>variant,key=value,…</c>, a key by its last part where those are distinct); only grid points without variants;
    /// a single "base" with neither. Throws <see cref="ArgumentException"/> on a spec that cannot run (see <see cref="Validate"/>).
    /// </summary>
    public IReadOnlyList<AblationVariant> Expand()
    {
        Validate();
        var points = GridPoints();
        var variants = Variants.Count > 0 ? Variants : [new AblationVariant(points.Count > 0 ? "" : "base", [])];
        var all = points.Count == 0 ? variants.ToList()
            : variants.SelectMany(v => points.Select(p => new AblationVariant(v.Name.Length == 0 ? p.Name : v.Name + "," + p.Name, [.. v.Settings, .. p.Settings]))).ToList();
        var folders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var v in all)
            if (!folders.TryAdd(FolderName(v.Name), v.Name))
                throw new ArgumentException($"ablation: variants '{folders[FolderName(v.Name)]}' and '{v.Name}' would share the folder '{FolderName(v.Name)}'; rename one");
        return all;
    }

    /// <summary>Checks what can be checked before any run: recipe, names, seeds, steps, grid; errors name the culprit.</summary>
    public void Validate()
    {
        RecipeRegistry.Get(Recipe);   // unknown recipe: lists the registered ones
        if (!Enum.IsDefined(Preset)) throw new ArgumentException($"ablation: unknown preset {Preset}");
        if (Steps is <= 0) throw new ArgumentException($"ablation: steps must be positive, got {Steps}");
        if (Seeds.Count == 0) throw new ArgumentException("ablation: no seeds; give at least one (e.g. seeds [0])");
        if (Seeds.Distinct().Count() != Seeds.Count) throw new ArgumentException($"ablation: a seed is given twice ({string.Join(", ", Seeds)})");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in Variants)
        {
            if (string.IsNullOrWhiteSpace(v.Name)) throw new ArgumentException("ablation: a variant has no name");
            if (!names.Add(v.Name)) throw new ArgumentException($"ablation: two variants are named '{v.Name}'");
            foreach (var s in v.Settings) CheckSetting(s, $"variant '{v.Name}'");
        }
        foreach (var s in Base) CheckSetting(s, "base settings");
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var axis in Grid)
        {
            if (string.IsNullOrWhiteSpace(axis.Key) || axis.Key.Contains('=')) throw new ArgumentException($"ablation: grid axis '{axis.Key}' is not a config key (e.g. Losses.Tau)");
            if (!keys.Add(axis.Key)) throw new ArgumentException($"ablation: grid axis '{axis.Key}' is given twice");
            if (axis.Values.Count == 0) throw new ArgumentException($"ablation: grid axis '{axis.Key}' has no values");
            if (axis.Values.Distinct().Count() != axis.Values.Count) throw new ArgumentException($"ablation: grid axis '{axis.Key}' repeats a value");
        }
        foreach (var m in Metrics)
            if (string.IsNullOrWhiteSpace(m)) throw new ArgumentException("ablation: an empty metric path");
    }

    static void CheckSetting(string setting, string where)
    {
        if (setting.IndexOf('=') <= 0) throw new ArgumentException($"ablation: {where}: '{setting}' is not Key=Value (e.g. Optim.LearningRate=5e-4)");
    }

    List<AblationVariant> GridPoints()
    {
        if (Grid.Count == 0) return [];
        var shortKeys = Grid.Select(a => a.Key.Split('.')[^1]).ToList();
        var labels = shortKeys.Distinct(StringComparer.OrdinalIgnoreCase).Count() == shortKeys.Count ? shortKeys : Grid.Select(a => a.Key).ToList();
        IEnumerable<(List<string> Names, List<string> Settings)> points = [([], [])];
        for (int i = 0; i < Grid.Count; i++)
        {
            int axis = i;
            points = points.SelectMany(p => Grid[axis].Values.Select(v => (
                (List<string>)[.. p.Names, $"{labels[axis]}={v}"], (List<string>)[.. p.Settings, $"{Grid[axis].Key}={v}"])));
        }
        return points.Select(p => new AblationVariant(string.Join(",", p.Names), p.Settings)).ToList();
    }

    /// <summary>The folder of a variant under the ablation's folder: its name with every character outside
    /// letters, digits and <c>. _ - + =</c> replaced by '_'.</summary>
    public static string FolderName(string variant)
    {
        var chars = variant.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+' or '=' ? c : '_').ToArray();
        var name = new string(chars);
        return name.Trim('.').Length == 0 ? "_" + name : name;
    }

    static readonly JsonSerializerOptions FileOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase), new SettingTextConverter() },
    };

    /// <summary>Reads a spec file; errors name the file and the problem (unknown fields included).</summary>
    public static AblationSpec Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such ablation spec: {path}", path);
        try
        {
            var spec = JsonSerializer.Deserialize<AblationSpec>(File.ReadAllText(path), FileOptions) ?? throw new InvalidDataException($"{path}: empty spec");
            return spec with { ConfigFile = spec.ConfigFile is { } c && !Path.IsPathRooted(c) ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, c) : spec.ConfigFile };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid ablation spec: {e.Message}", e);
        }
    }

    /// <summary>Parses a spec from JSON text (the format of <see cref="Load"/>).</summary>
    public static AblationSpec FromJson(string json) =>
        JsonSerializer.Deserialize<AblationSpec>(json, FileOptions) ?? throw new InvalidDataException("empty ablation spec");

    public string ToJson() => JsonSerializer.Serialize(this, FileOptions);

    /// <summary>Reads a setting value written as a JSON number or boolean as its text, so <c>"values": [4, 8]</c> works.</summary>
    sealed class SettingTextConverter : JsonConverter<string>
    {
        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString()!,
            JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            _ => throw new JsonException($"expected a string or a number, got {reader.TokenType}"),
        };

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
