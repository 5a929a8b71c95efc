using System.Text.Json;
using DistillKit.Torch;
using DistillKit.Torch.Modules;

namespace DistillKit.Training;

/// <summary>
/// A training checkpoint: one safetensors file holding the model's state dict (its own keys), the optimizer state
/// (keys prefixed <c>optimizer.</c>) and metadata (step, seed, config JSON, library version). Written atomically.
/// </summary>
public static class Checkpoint
{
    public const string OptimizerPrefix = "optimizer.";

    /// <summary>The file name of the checkpoint after <paramref name="step"/> steps.</summary>
    public static string FileName(long step) => $"step-{step:D8}.safetensors";

    public static void Save(string path, Module model, Optimizer? optimizer, long step, long seed, string configJson)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>(model.state_dict());
        if (optimizer is not null)
            tensors.AddRange(optimizer.State().Select(s => new KeyValuePair<string, Tensor>(OptimizerPrefix + s.name, s.tensor)));
        Serialization.SaveSafetensors(tensors, path, new Dictionary<string, string>
        {
            ["step"] = step.ToString(),
            ["optimizer_steps"] = (optimizer?.StepCount ?? 0).ToString(),
            ["seed"] = seed.ToString(),
            ["config"] = configJson,
            ["library"] = LibraryInfo.Version,
            ["format"] = "distillkit-checkpoint-1",
        });
    }

    /// <summary>Metadata of a checkpoint (step, seed, config, library).</summary>
    public static Dictionary<string, string> ReadMetadata(string path) => Serialization.ReadSafetensorsMetadata(path);

    /// <summary>Loads model weights (strictly by name) and, when given, the optimizer state; returns the step.</summary>
    public static long Load(string path, Module model, Optimizer? optimizer = null)
    {
        var all = Serialization.LoadSafetensors(path);
        try
        {
            var modelPart = all.Where(kv => !kv.Key.StartsWith(OptimizerPrefix)).ToDictionary(kv => kv.Key, kv => kv.Value);
            try
            {
                model.load_state_dict(modelPart);
            }
            catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
            {
                throw new InvalidDataException($"{path}: does not fit this model ({e.Message}). Was it written for another preset or architecture?", e);
            }
            var meta = ReadMetadata(path);
            if (optimizer is not null)
            {
                var optPart = all.Where(kv => kv.Key.StartsWith(OptimizerPrefix)).ToDictionary(kv => kv.Key[OptimizerPrefix.Length..], kv => kv.Value);
                optimizer.LoadState(optPart, long.Parse(meta.GetValueOrDefault("optimizer_steps", "0")));
            }
            return long.Parse(meta.GetValueOrDefault("step", "0"));
        }
        finally
        {
            foreach (var t in all.Values) t.Dispose();
        }
    }

    /// <summary>Checkpoints in a folder, newest step last.</summary>
    public static List<(long step, string path)> List(string dir)
    {
        if (!Directory.Exists(dir)) return new();
        return Directory.GetFiles(dir, "step-*.safetensors")
            .Select(p => (step: long.TryParse(Path.GetFileNameWithoutExtension(p)[5..], out var s) ? s : -1, path: p))
            .Where(x => x.step >= 0).OrderBy(x => x.step).ToList();
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
