using System.Text.Json;

namespace DistillKit.Training.Recipes;

/// <summary>
/// Where the real datasets live on this machine, kept apart from experiment configs (a config names a dataset, never
/// its folder). A dataset's root is looked up, in order: the roots given explicitly (CLI <c>--data NAME=DIR</c>, a
/// notebook's parameters), the environment variable <c>DISTILLKIT_DATA_NAME</c> (name upper-cased), and the local
/// settings file <c>distillkit.local.json</c> (<c>{"datasets": {"FlyingChairs": "/data/FlyingChairs_release"}}</c>) in
/// the current folder or any folder above it, and last a folder <c>data/NAME</c> in the current folder or any folder
/// above it (where the data-scripts put what they prepare; <c>data/</c> is ignored by git).
/// </summary>
public sealed class DataRoots
{
    public const string SettingsFileName = "distillkit.local.json";
    readonly Dictionary<string, string> _explicit;
    readonly string _searchFrom;

    public DataRoots(IReadOnlyDictionary<string, string>? roots = null, string? searchFrom = null)
    {
        _explicit = new Dictionary<string, string>(roots ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
        _searchFrom = searchFrom ?? Directory.GetCurrentDirectory();
    }

    /// <summary>The root of <paramref name="dataset"/>; an error naming the three places and the data-script when none has it.</summary>
    public string Resolve(string dataset, string dataScript) => Resolve(dataset, dataScript, allowFile: false);

    /// <summary>Like <see cref="Resolve(string, string)"/>; with <paramref name="allowFile"/> the root may also be a file
    /// (a video for the Footage dataset).</summary>
    public string Resolve(string dataset, string dataScript, bool allowFile)
    {
        if (_explicit.TryGetValue(dataset, out var root)) return Existing(root, dataset, "given explicitly", allowFile);
        var env = "DISTILLKIT_DATA_" + dataset.ToUpperInvariant();
        if (Environment.GetEnvironmentVariable(env) is { Length: > 0 } fromEnv) return Existing(fromEnv, dataset, env, allowFile);
        if (SettingsFile() is { } file && ReadSettings(file).TryGetValue(dataset, out var fromFile)) return Existing(fromFile, dataset, file, allowFile);
        if (Above(Path.Combine("data", dataset), Directory.Exists) is { } local) return local;
        throw new DirectoryNotFoundException(
            $"no folder for the dataset {dataset}: pass --data {dataset}=DIR, set {env}, or add it to {SettingsFileName} " +
            $"({{\"datasets\": {{\"{dataset}\": \"DIR\"}}}}). Download it with {dataScript} (it fills data/{dataset}).");
    }

    static string Existing(string root, string dataset, string source, bool allowFile) =>
        Directory.Exists(root) || (allowFile && File.Exists(root)) ? root
            : throw new DirectoryNotFoundException($"the {dataset} {(allowFile ? "file or folder" : "folder")} {root} ({source}) does not exist");

    /// <summary>The first <paramref name="relative"/> path, from the search folder upwards, that satisfies <paramref name="exists"/>.</summary>
    string? Above(string relative, Func<string, bool> exists)
    {
        for (var dir = new DirectoryInfo(_searchFrom); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, relative);
            if (exists(path)) return path;
        }
        return null;
    }

    string? SettingsFile() => Above(SettingsFileName, File.Exists);

    static Dictionary<string, string> ReadSettings(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (doc.RootElement.TryGetProperty("datasets", out var sets))
                foreach (var p in sets.EnumerateObject()) result[p.Name] = p.Value.GetString() ?? "";
            return result;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}); expected {{\"datasets\": {{\"NAME\": \"DIR\"}}}}", e);
        }
    }
}
