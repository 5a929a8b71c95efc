using System.Text.Json;

namespace DistillKit.Training.Recipes;

/// <summary>
/// Where the real datasets live on this machine, kept apart from experiment configs (a config names a dataset, never
/// its folder). A dataset's root is looked up, in order: the roots given explicitly (CLI <c>--data NAME=DIR</c>, a
/// notebook's parameters), the environment variable <c>DISTILLKIT_DATA_NAME</c> (name upper-cased), and the local
/// settings file <c>distillkit.local.json</c> (<c>{"datasets": {"FlyingChairs": "/data/FlyingChairs_release"}}</c>) in
/// the current folder or any folder above it. The file is ignored by git.
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
    public string Resolve(string dataset, string dataScript)
    {
        if (_explicit.TryGetValue(dataset, out var root)) return Existing(root, dataset, "given explicitly");
        var env = "DISTILLKIT_DATA_" + dataset.ToUpperInvariant();
        if (Environment.GetEnvironmentVariable(env) is { Length: > 0 } fromEnv) return Existing(fromEnv, dataset, env);
        if (SettingsFile() is { } file && ReadSettings(file).TryGetValue(dataset, out var fromFile)) return Existing(fromFile, dataset, file);
        throw new DirectoryNotFoundException(
            $"no folder for the dataset {dataset}: pass --data {dataset}=DIR, set {env}, or add it to {SettingsFileName} " +
            $"({{\"datasets\": {{\"{dataset}\": \"DIR\"}}}}). Download it with {dataScript}.");
    }

    static string Existing(string root, string dataset, string source) =>
        Directory.Exists(root) ? root : throw new DirectoryNotFoundException($"the {dataset} folder {root} ({source}) does not exist");

    string? SettingsFile()
    {
        for (var dir = new DirectoryInfo(_searchFrom); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, SettingsFileName);
            if (File.Exists(path)) return path;
        }
        return null;
    }

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
