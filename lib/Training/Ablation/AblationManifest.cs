using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistillKit.Training.Ablation;

/// <summary>
/// <c>ablation.json</c> in an ablation's folder: the spec, and per run its variant, seed, folder, config hash (<see cref="ConfigHash"/>)
/// and last status, rewritten whole after every run; plus every run folder ever set aside because its variant's config
/// changed (kept across calls). It records what was done; whether a run is reused is decided from the run's own folder.
/// </summary>
public sealed class AblationManifest
{
    public const string FileName = "ablation.json";

    readonly string _path;
    readonly JsonArray _setAside;
    readonly List<JsonObject> _runs = [];
    readonly AblationSpec _spec;

    AblationManifest(string path, AblationSpec spec, JsonArray setAside)
    {
        _path = path;
        _spec = spec;
        _setAside = setAside;
    }

    /// <summary>A manifest for <paramref name="spec"/> in <paramref name="outDir"/>, keeping the set-aside folders an earlier one listed.</summary>
    public static AblationManifest Open(string outDir, AblationSpec spec, TextWriter? warnings)
    {
        var path = Path.Combine(outDir, FileName);
        var setAside = new JsonArray();
        if (File.Exists(path))
        {
            try
            {
                if (JsonNode.Parse(File.ReadAllText(path))?["set_aside"] is JsonArray old) setAside = (JsonArray)old.DeepClone();
            }
            catch (JsonException e)
            {
                warnings?.WriteLine($"[ablation] warning: {path} is not valid JSON ({e.Message}); it is rewritten (the run folders decide what is reused)");
            }
        }
        return new AblationManifest(path, spec, setAside);
    }

    /// <summary>Records that run folder <paramref name="dir"/> was renamed to <paramref name="movedTo"/> (its old config hash given).</summary>
    public void SetAside(string variant, long seed, string dir, string movedTo, string? oldHash) => _setAside.Add(new JsonObject
    {
        ["variant"] = variant, ["seed"] = seed, ["dir"] = Rel(dir), ["moved_to"] = Rel(movedTo), ["config_hash"] = oldHash,
        ["when_utc"] = DateTime.UtcNow.ToString("o"),
    });

    /// <summary>Sets (or replaces) the entry of one run and writes the file.</summary>
    public void Record(AblationRun run, string? error = null)
    {
        var entry = new JsonObject
        {
            ["variant"] = run.Variant, ["seed"] = run.Seed, ["dir"] = Rel(run.Dir), ["config_hash"] = run.ConfigHash,
            ["status"] = error is null ? run.Status.ToString() : "Failed", ["completed"] = run.Completed,
            ["resumed_from_step"] = run.ResumedFromStep, ["error"] = error, ["updated_utc"] = DateTime.UtcNow.ToString("o"),
        };
        int i = _runs.FindIndex(r => r["dir"]!.GetValue<string>() == Rel(run.Dir));
        if (i >= 0) _runs[i] = entry;
        else _runs.Add(entry);
        Write();
    }

    public void Write()
    {
        var root = new JsonObject
        {
            ["spec"] = JsonNode.Parse(_spec.ToJson()),
            ["library"] = LibraryInfo.Version,
            ["updated_utc"] = DateTime.UtcNow.ToString("o"),
            ["runs"] = new JsonArray(_runs.Select(r => (JsonNode?)r.DeepClone()).ToArray()),
            ["set_aside"] = _setAside.DeepClone(),
        };
        Runtime.AtomicFile.WriteText(_path, "the ablation manifest", root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    string Rel(string dir) => Path.GetRelativePath(Path.GetDirectoryName(_path)!, dir);
}
