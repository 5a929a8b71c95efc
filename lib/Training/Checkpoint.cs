using System.Text.Json;
using DistillKit.Weights;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.optim;

namespace DistillKit.Training;

/// <summary>A named module with its optimizer (null: weights only), as saved in and restored from a checkpoint.</summary>
public sealed record CheckpointPart(string Name, Module Module, Optimizer? Optimizer);

/// <summary>
/// A training checkpoint after <c>step</c> steps: <c>step-NNNNNNNN.safetensors</c> holds the model's state dict (its
/// PyTorch key names) and the optimizer state (keys prefixed <c>optimizer.</c>, e.g. <c>optimizer.3.exp_avg</c>), written
/// by TorchSharp.PyBridge so Python's safetensors reads it; <c>step-NNNNNNNN.json</c> beside it holds the metadata (step,
/// optimizer steps, seed, config JSON, library version, and the SHA-256 and length of the tensor file, see
/// <see cref="CheckpointIntegrity"/>). Both are written to temporary names, flushed to disk and renamed, metadata last,
/// the folder flushed after each rename so that the renames survive a power loss (<see cref="Runtime.PosixFiles.SyncDirectory"/>):
/// a checkpoint without its metadata is incomplete and ignored. Loading verifies the hash. Checkpoints without a hash
/// (kit 0.2 before it; kit 0.1, metadata in the safetensors header) still load after a structural check.
/// </summary>
public static class Checkpoint
{
    public const string OptimizerPrefix = "optimizer.";
    const string Format = "distillkit-checkpoint-2";

    /// <summary>The file name of the checkpoint after <paramref name="step"/> steps.</summary>
    public static string FileName(long step) => $"step-{step:D8}.safetensors";

    /// <summary>The metadata file beside a checkpoint.</summary>
    public static string MetadataPath(string checkpointPath) => Path.ChangeExtension(checkpointPath, ".json");

    public static void Save(string path, Module model, Optimizer? optimizer, long step, long seed, string configJson,
                            IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(path, [new CheckpointPart("model", model, optimizer)], step, seed, configJson, metadata);

    /// <summary>
    /// Saves several named modules with their optimizers in one checkpoint. One part keeps the plain PyTorch names
    /// (<c>conv.weight</c>, <c>optimizer.3.exp_avg</c>); with several, keys are prefixed by the part's name
    /// (<c>teacher.conv.weight</c>, <c>optimizer.teacher.3.exp_avg</c>). <paramref name="metadata"/> adds entries of its own
    /// to the metadata (e.g. a model file's kind); it may not replace the checkpoint's own keys (step, seed, config, …).
    /// </summary>
    public static void Save(string path, IReadOnlyList<CheckpointPart> parts, long step, long seed, string configJson,
                            IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tensors = new Dictionary<string, Tensor>();
        var optimizerSteps = new Dictionary<string, long>();
        foreach (var part in parts)
        {
            string prefix = parts.Count == 1 ? "" : part.Name + ".";
            foreach (var (k, v) in part.Module.state_dict()) tensors[prefix + k] = v;
            if (part.Optimizer is null) continue;
            optimizerSteps[part.Name] = 0;
            foreach (var (name, tensor, steps) in OptimizerStateIO.Tensors(part.Optimizer))
            {
                tensors[OptimizerPrefix + prefix + name] = tensor;
                optimizerSteps[part.Name] = steps;
            }
        }
        var meta = new Dictionary<string, string>
        {
            ["step"] = step.ToString(),
            ["optimizer_steps"] = parts.Count == 1 ? optimizerSteps.Values.FirstOrDefault().ToString() : JsonSerializer.Serialize(optimizerSteps),
            ["parts"] = string.Join(",", parts.Select(p => p.Name)),
            ["seed"] = seed.ToString(),
            ["config"] = configJson,
            ["library"] = LibraryInfo.Version,
            ["format"] = Format,
        };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            if (!meta.TryAdd(key, value) || key is CheckpointIntegrity.HashKey or CheckpointIntegrity.LengthKey)
                throw new ArgumentException($"checkpoint metadata key '{key}' is the checkpoint's own", nameof(metadata));
        var metaPath = MetadataPath(path);
        string writing = path + ".tmp";
        try
        {
            if (File.Exists(metaPath)) File.Delete(metaPath);  // never a fresh tensor file with stale metadata
            using (var file = new FileStream(writing, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Safetensors.SaveStateDict(file, tensors, leaveOpen: true);
                file.Flush(flushToDisk: true);
                meta[CheckpointIntegrity.LengthKey] = file.Length.ToString();
            }
            meta[CheckpointIntegrity.HashKey] = CheckpointIntegrity.Sha256(writing);
            TestPause(step, "tensors", path);
            File.Move(writing, path, overwrite: true);
            Runtime.PosixFiles.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);  // the rename on disk before the metadata names it
            TestPause(step, "renamed", path);
            writing = metaPath + ".tmp";
            using (var file = new FileStream(writing, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(file, meta, Json.Options);
                file.Flush(flushToDisk: true);
            }
            File.Move(writing, metaPath, overwrite: true);
            Runtime.PosixFiles.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            TestPause(step, "written", path);
        }
        catch (Exception e) when (Runtime.WriteFailures.IsWriteFailure(e))
        {
            foreach (var tmp in new[] { path + ".tmp", metaPath + ".tmp" }) TryDelete(tmp);
            var cause = Runtime.WriteFailures.DiskLimit(e) ?? WeightFiles.FirstLine(e.Message);
            throw new CheckpointWriteException($"{writing}: writing the checkpoint of step {step} failed: {cause}. The incomplete file was removed.", e);
        }
    }

    /// <summary>
    /// Test hook: with <c>DISTILLKIT_TEST_PAUSE_CHECKPOINT=STEP:POINT</c> the write of checkpoint STEP stops at POINT
    /// (<c>tensors</c>: tensor file written to its temporary name; <c>renamed</c>: tensor file in place, metadata not yet
    /// written; <c>written</c>: checkpoint complete), says so on standard error and waits (5 minutes at most), so that a
    /// test can kill the process in the middle of a checkpoint write, or right after one, deterministically.
    /// <c>STEP:POINT:PART</c> pauses only where the checkpoint's path contains PART (one run of an ablation).
    /// </summary>
    public const string PauseVariable = "DISTILLKIT_TEST_PAUSE_CHECKPOINT";

    static void TestPause(long step, string point, string path)
    {
        var cue = Environment.GetEnvironmentVariable(PauseVariable)?.Split(':', 3);
        if (cue is null || cue.Length < 2 || cue[0] != step.ToString() || cue[1] != point) return;
        if (cue.Length == 3 && !Path.GetFullPath(path).Contains(cue[2])) return;
        Console.Error.WriteLine($"checkpoint paused: step {step} at {point}");
        Console.Error.Flush();
        Thread.Sleep(TimeSpan.FromMinutes(5));
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }

    /// <summary>Metadata of a checkpoint (step, seed, config, library): the JSON beside it, or a kit 0.1 header.</summary>
    public static Dictionary<string, string> ReadMetadata(string path)
    {
        var metaPath = MetadataPath(path);
        if (File.Exists(metaPath))
            return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(metaPath))
                ?? throw new InvalidDataException($"{metaPath}: empty checkpoint metadata");
        return SafetensorsHeader.ReadMetadata(path);
    }

    /// <summary>Loads model weights (strictly by name) and, when given, the optimizer state; returns the step.</summary>
    public static long Load(string path, Module model, Optimizer? optimizer = null) =>
        Load(path, [new CheckpointPart("model", model, optimizer)]);

    /// <summary>Loads every part saved by <see cref="Save(string, IReadOnlyList{CheckpointPart}, long, long, string)"/>
    /// (strictly: missing, unexpected or misshapen keys are an error naming them); returns the step.</summary>
    public static long Load(string path, IReadOnlyList<CheckpointPart> parts)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such checkpoint: {path}", path);
        if (CheckpointIntegrity.Problem(path) is { } problem)
            throw new InvalidDataException($"{path}: damaged checkpoint: {problem}. Resume from an earlier checkpoint of {Path.GetDirectoryName(path)} or train again.");
        var meta = ReadMetadata(path);
        Dictionary<string, Tensor> all;
        try
        {
            all = Safetensors.LoadStateDict(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: not a readable safetensors checkpoint ({WeightFiles.FirstLine(e.Message)})", e);
        }
        try
        {
            var saved = meta.GetValueOrDefault("parts", "model").Split(',');
            if (saved.Length != parts.Count || (parts.Count > 1 && !saved.OrderBy(x => x).SequenceEqual(parts.Select(p => p.Name).OrderBy(x => x))))
                throw new InvalidDataException($"{path}: holds the parts [{string.Join(", ", saved)}], this run has [{string.Join(", ", parts.Select(p => p.Name))}]");
            var optimizerSteps = parts.Count == 1 ? null : JsonSerializer.Deserialize<Dictionary<string, long>>(meta.GetValueOrDefault("optimizer_steps", "{}"));
            foreach (var part in parts)
            {
                string prefix = parts.Count == 1 ? "" : part.Name + ".";
                var modelPart = all.Where(kv => !kv.Key.StartsWith(OptimizerPrefix) && kv.Key.StartsWith(prefix))
                    .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
                StateDicts.LoadStrict(part.Module, modelPart, path);
                if (part.Optimizer is null) continue;
                var optPart = all.Where(kv => kv.Key.StartsWith(OptimizerPrefix + prefix))
                    .ToDictionary(kv => kv.Key[(OptimizerPrefix.Length + prefix.Length)..], kv => kv.Value);
                long steps = optimizerSteps is null ? long.Parse(meta.GetValueOrDefault("optimizer_steps", "0")) : optimizerSteps.GetValueOrDefault(part.Name);
                OptimizerStateIO.Load(part.Optimizer, optPart, steps, path);
            }
            return long.Parse(meta.GetValueOrDefault("step", "0"));
        }
        finally
        {
            foreach (var t in all.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Loads the weights of any weight file (<c>.safetensors</c>, <c>.pth</c>, <c>.dat</c>) or checkpoint into
    /// <paramref name="module"/>, strictly by name; a checkpoint's optimizer state is ignored. A checkpoint
    /// (<c>step-N.safetensors</c> with its metadata) is verified first.
    /// </summary>
    public static void LoadWeights(Module module, string path)
    {
        bool isCheckpoint = Path.GetFileName(path).StartsWith("step-") && path.EndsWith(".safetensors") && File.Exists(MetadataPath(path));
        if (isCheckpoint && CheckpointIntegrity.Problem(path) is { } problem)
            throw new InvalidDataException($"{path}: damaged checkpoint: {problem}. Use an earlier checkpoint of {Path.GetDirectoryName(path)} or train again.");
        var weights = WeightFiles.Read(path);
        try
        {
            StateDicts.LoadStrict(module, weights.Where(kv => !kv.Key.StartsWith(OptimizerPrefix)).ToDictionary(kv => kv.Key, kv => kv.Value), path);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>Complete checkpoints in a folder (those with metadata), newest step last.</summary>
    public static List<(long step, string path)> List(string dir)
    {
        if (!Directory.Exists(dir)) return new();
        return Directory.GetFiles(dir, "step-*.safetensors")
            .Select(p => (step: long.TryParse(Path.GetFileNameWithoutExtension(p)[5..], out var s) ? s : -1, path: p))
            .Where(x => x.step >= 0 && (File.Exists(MetadataPath(x.path)) || SafetensorsHeader.HasMetadata(x.path)))
            .OrderBy(x => x.step).ToList();
    }

    /// <summary>
    /// The newest checkpoint of a folder that passes <see cref="CheckpointIntegrity.Problem"/> (null when there is none),
    /// and the damaged ones newer than it with what is wrong with each, newest first.
    /// </summary>
    public static (string? Good, IReadOnlyList<(string Path, string Problem)> Damaged) NewestGood(string dir)
    {
        var damaged = new List<(string, string)>();
        foreach (var (_, path) in Enumerable.Reverse(List(dir)))
        {
            if (CheckpointIntegrity.Problem(path) is not { } problem) return (path, damaged);
            damaged.Add((path, problem));
        }
        return (null, damaged);
    }

    /// <summary>Renames a damaged checkpoint and its metadata to <c>*.corrupt</c>: kept for inspection, no longer listed.</summary>
    public static void SetAside(string path)
    {
        foreach (var file in new[] { path, MetadataPath(path) })
            if (File.Exists(file)) File.Move(file, file + ".corrupt", overwrite: true);
    }

    /// <summary>
    /// Deletes what interrupted writes left in a checkpoint folder: temporary files and tensor files without metadata
    /// (or metadata without a tensor file). Call only while holding the folder (<see cref="RunLock"/>); returns the files removed.
    /// </summary>
    public static IReadOnlyList<string> RemoveIncomplete(string dir)
    {
        if (!Directory.Exists(dir)) return [];
        var complete = List(dir).Select(c => c.path).ToHashSet();
        var removed = new List<string>();
        foreach (var file in Directory.GetFiles(dir, "step-*"))
        {
            bool orphan = file.EndsWith(".tmp")
                || file.EndsWith(".safetensors") && !complete.Contains(file)
                || file.EndsWith(".json") && !File.Exists(Path.ChangeExtension(file, ".safetensors"));
            if (!orphan) continue;
            File.Delete(file);
            removed.Add(file);
        }
        return removed;
    }

    /// <summary>Deletes a checkpoint and its metadata.</summary>
    public static void Delete(string path)
    {
        File.Delete(MetadataPath(path));
        File.Delete(path);
    }

    /// <summary>Deserialises the config stored in a checkpoint.</summary>
    public static T Config<T>(string path)
    {
        var meta = ReadMetadata(path);
        if (!meta.TryGetValue("config", out var json)) throw new InvalidDataException($"{path}: no config in the checkpoint metadata (not a DistillKit checkpoint?)");
        return JsonSerializer.Deserialize<T>(json, Json.Options) ?? throw new InvalidDataException($"{path}: empty config");
    }
}
