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
/// optimizer steps, seed, config JSON, library version). Both are written to temporary names and renamed, metadata last:
/// a checkpoint without its metadata is incomplete and ignored. Checkpoints of kit 0.1 (metadata in the safetensors
/// header) still load.
/// </summary>
public static class Checkpoint
{
    public const string OptimizerPrefix = "optimizer.";
    const string Format = "distillkit-checkpoint-2";

    /// <summary>The file name of the checkpoint after <paramref name="step"/> steps.</summary>
    public static string FileName(long step) => $"step-{step:D8}.safetensors";

    /// <summary>The metadata file beside a checkpoint.</summary>
    public static string MetadataPath(string checkpointPath) => Path.ChangeExtension(checkpointPath, ".json");

    public static void Save(string path, Module model, Optimizer? optimizer, long step, long seed, string configJson) =>
        Save(path, [new CheckpointPart("model", model, optimizer)], step, seed, configJson);

    /// <summary>
    /// Saves several named modules with their optimizers in one checkpoint. One part keeps the plain PyTorch names
    /// (<c>conv.weight</c>, <c>optimizer.3.exp_avg</c>); with several, keys are prefixed by the part's name
    /// (<c>teacher.conv.weight</c>, <c>optimizer.teacher.3.exp_avg</c>).
    /// </summary>
    public static void Save(string path, IReadOnlyList<CheckpointPart> parts, long step, long seed, string configJson)
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
        var metaPath = MetadataPath(path);
        if (File.Exists(metaPath)) File.Delete(metaPath);  // never a fresh tensor file with stale metadata
        Safetensors.SaveStateDict(path + ".tmp", tensors);
        File.Move(path + ".tmp", path, overwrite: true);
        File.WriteAllText(metaPath + ".tmp", JsonSerializer.Serialize(meta, Json.Options));
        File.Move(metaPath + ".tmp", metaPath, overwrite: true);
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
    /// <paramref name="module"/>, strictly by name; a checkpoint's optimizer state is ignored.
    /// </summary>
    public static void LoadWeights(Module module, string path)
    {
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
