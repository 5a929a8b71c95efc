using System.Text.Json;
using DistillKit.Models.Pmd;
using DistillKit.Runtime;

namespace DistillKit.Training.Stages.Pmd;

/// <summary>
/// A PMD run's validation history, kept in its folder so that a resumed run selects and updates PSR exactly as an
/// uninterrupted one: <c>validation.json</c> lists every validation (step, PCK at the selection α, improved or not), and
/// <c>best/step-N.safetensors</c> holds the matcher of the newest improvements (<see cref="SemanticMatcherFile"/>). A
/// validation at step s replaces any recorded at s or later (left by an interrupted session); <see cref="RewindTo"/>
/// drops those after the step a resumed run starts from. An improvement is a value strictly above every earlier one.
/// </summary>
public sealed class PmdValidationLog
{
    /// <summary>Improvement files kept (the newest; the best is always the newest improvement).</summary>
    public const int KeptFiles = 3;

    readonly string _path, _bestDir;
    readonly List<Entry> _entries;

    /// <summary>One validation.</summary>
    public sealed record Entry(long Step, double Value, bool Improved);

    PmdValidationLog(string runDir, List<Entry> entries)
    {
        _path = Path.Combine(runDir, "validation.json");
        _bestDir = Path.Combine(runDir, "best");
        _entries = entries;
    }

    /// <summary>The history of <paramref name="runDir"/> (empty, and old files removed, when <paramref name="resume"/> is false).</summary>
    public static PmdValidationLog Open(string runDir, bool resume)
    {
        var path = Path.Combine(runDir, "validation.json");
        if (!resume)
        {
            if (File.Exists(path)) File.Delete(path);
            var best = Path.Combine(runDir, "best");
            if (Directory.Exists(best)) Directory.Delete(best, recursive: true);
            return new PmdValidationLog(runDir, []);
        }
        List<Entry> entries = [];
        if (File.Exists(path))
        {
            try { entries = JsonSerializer.Deserialize<List<Entry>>(File.ReadAllText(path), Json.Options) ?? []; }
            catch (JsonException e) { throw new InvalidDataException($"{path}: not a validation history ({e.Message}); delete it to start the run afresh (--fresh)", e); }
        }
        return new PmdValidationLog(runDir, entries);
    }

    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>Improving validations so far: the number of PSR variance updates.</summary>
    public int Improvements => _entries.Count(e => e.Improved);

    /// <summary>The newest improvement (the best validation), or null.</summary>
    public Entry? Best => _entries.LastOrDefault(e => e.Improved);

    /// <summary>Drops what an interrupted session recorded after <paramref name="step"/> (the step a run resumes from).</summary>
    public void RewindTo(long step)
    {
        if (_entries.RemoveAll(e => e.Step > step) > 0) Persist();
    }

    /// <summary>Records the validation <paramref name="value"/> at <paramref name="step"/>; when it improves, saves
    /// <paramref name="matcher"/> as that step's best. Returns whether it improved.</summary>
    public bool Record(long step, double value, ISemanticMatcher matcher, long seed, string configJson)
    {
        _entries.RemoveAll(e => e.Step >= step);
        bool improved = double.IsFinite(value) && _entries.Where(e => e.Improved).All(e => value > e.Value);
        if (improved)
        {
            Directory.CreateDirectory(_bestDir);
            SemanticMatcherFile.Save(BestFile(step), matcher, step, seed, configJson);
        }
        _entries.Add(new Entry(step, value, improved));
        Persist();
        var keep = _entries.Where(e => e.Improved).TakeLast(KeptFiles).Select(e => Path.GetFullPath(BestFile(e.Step))).ToHashSet();
        if (Directory.Exists(_bestDir))
            foreach (var file in Directory.GetFiles(_bestDir, "step-*.safetensors").Where(f => !keep.Contains(Path.GetFullPath(f))))
            {
                File.Delete(file);
                File.Delete(Path.ChangeExtension(file, ".json"));
            }
        return improved;
    }

    /// <summary>The file of the best validation, or null when there is none (or it is gone).</summary>
    public string? BestPath() => Best is { } b && File.Exists(BestFile(b.Step)) ? BestFile(b.Step) : null;

    string BestFile(long step) => Path.Combine(_bestDir, $"step-{step:D8}.safetensors");

    void Persist() => AtomicFile.WriteText(_path, "the validation history", JsonSerializer.Serialize(_entries, Json.Options));
}
