using System.Text.Json;
using DistillKit.Weights;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using static TorchSharp.torch.optim;

namespace DistillKit.Training;

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

    public static void Save(string path, Module model, Optimizer? optimizer, long step, long seed, string configJson)
    {
        var tensors = new Dictionary<string, Tensor>(model.state_dict());
        long optimizerSteps = 0;
        if (optimizer is not null)
            foreach (var (name, tensor, steps) in OptimizerStateIO.Tensors(optimizer))
            {
                tensors[OptimizerPrefix + name] = tensor;
                optimizerSteps = steps;
            }
        var meta = new Dictionary<string, string>
        {
            ["step"] = step.ToString(),
            ["optimizer_steps"] = optimizerSteps.ToString(),
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
    public static long Load(string path, Module model, Optimizer? optimizer = null)
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
            var modelPart = all.Where(kv => !kv.Key.StartsWith(OptimizerPrefix)).ToDictionary(kv => kv.Key, kv => kv.Value);
            StateDicts.LoadStrict(model, modelPart, path);
            if (optimizer is not null)
            {
                var optPart = all.Where(kv => kv.Key.StartsWith(OptimizerPrefix)).ToDictionary(kv => kv.Key[OptimizerPrefix.Length..], kv => kv.Value);
                OptimizerStateIO.Load(optimizer, optPart, long.Parse(meta.GetValueOrDefault("optimizer_steps", "0")), path);
            }
            return long.Parse(meta.GetValueOrDefault("step", "0"));
        }
        finally
        {
            foreach (var t in all.Values) t.Dispose();
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

/// <summary>Library identity recorded in every run.</summary>
public static class LibraryInfo
{
    public static string Version => typeof(LibraryInfo).Assembly.GetName().Version?.ToString() ?? "0";
}

/// <summary>JSON options used for configs and records (enums as strings, indented).</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static readonly JsonSerializerOptions Compact = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
