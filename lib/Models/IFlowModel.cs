using System.Text.Json;
using System.Text.Json.Nodes;
using DistillKit.Models.FastFlow;
using DistillKit.Models.Pwc;
using DistillKit.Models.Raft;
using DistillKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Models;

/// <summary>
/// What every flow network of the kit offers, so that inference, evaluation and the CLI work for any of them.
/// Inputs: images [B,3,H,W] float32 RGB in [0,1] (each model normalises internally as its paper does) with H, W
/// multiples of <see cref="SizeMultiple"/> (<see cref="FlowInference"/> fits any size). Output: forward flow
/// [B,2,H,W] (channel 0 = u, 1 = v, pixels of the input; p in image 1 maps to p + w(p) in image 2) and backward flow
/// (image 2 → image 1), both directions in one call. Models working in other units convert at this boundary.
/// </summary>
public interface IFlowModel : IDisposable
{
    /// <summary>The model kind, as written in configs (<c>"Kind"</c> of the model section).</summary>
    string Kind { get; }

    /// <summary>Input height and width must be multiples of this.</summary>
    int SizeMultiple { get; }

    /// <summary>(forward flow 1→2, backward flow 2→1), each [B,2,H,W] in input pixels.</summary>
    (Tensor flowFw, Tensor flowBw) ForwardBoth(Tensor image1, Tensor image2);

    /// <summary>The forward flow only (1→2), [B,2,H,W] in input pixels: half the work where the backward flow is not needed.</summary>
    Tensor ForwardFlow(Tensor image1, Tensor image2);

    /// <summary>Switches to inference behaviour (as <c>Module.eval()</c>).</summary>
    void SetEval();

    /// <summary>The module itself, for weights and parameters.</summary>
    nn.Module AsModule { get; }
}

/// <summary>
/// The one loader of flow models: reads a weight file (<c>.safetensors</c>, <c>.pth</c> or a training checkpoint) and
/// the run config that describes its architecture (the checkpoint's metadata, or <c>config.json</c> beside it); the
/// config's <c>Model</c> section names the kind (<c>"Kind"</c>, PWC-Net when absent, as in stage-1 runs of kit 0.2).
/// </summary>
public static class FlowModels
{
    /// <summary>The model kinds this loader builds (a config's <c>Model.Kind</c>); the first is the default when absent.</summary>
    public static readonly IReadOnlyList<string> Kinds = [nameof(PwcNet), nameof(FastFlowNet), nameof(Raft.Raft)];

    /// <summary>Builds an untrained model from a config's <c>Model</c> section (JSON).</summary>
    public static IFlowModel Create(JsonNode modelSection, string source)
    {
        var kind = modelSection["Kind"]?.GetValue<string>() ?? nameof(PwcNet);
        return kind switch
        {
            nameof(PwcNet) => new PwcNet(modelSection.Deserialize<PwcNetConfig>(Training.Json.Options)
                                         ?? throw new InvalidDataException($"{source}: empty PwcNet config")),
            nameof(FastFlowNet) => new FastFlowNet(modelSection.Deserialize<FastFlowNetConfig>(Training.Json.Options)
                                                   ?? throw new InvalidDataException($"{source}: empty FastFlowNet config")),
            nameof(Raft.Raft) => new Raft.Raft(modelSection.Deserialize<RaftConfig>(Training.Json.Options)
                                               ?? throw new InvalidDataException($"{source}: empty Raft config")),
            _ => throw new InvalidDataException($"{source}: unknown flow model kind '{kind}' (this kit has: {string.Join(", ", Kinds)})"),
        };
    }

    /// <summary>Loads a trained model (strict: every weight of the architecture present with its shape), in eval mode.</summary>
    public static IFlowModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such model file: {path} (train one with ./kit train stage1)", path);
        if (KindInMetadata(path) is { } kind)
            throw new InvalidDataException($"{path}: a {kind} (semantic matcher), not a flow model: `./kit match` takes it");
        var config = ReadRunConfig(path);
        var section = config["Model"] ?? throw new InvalidDataException($"{path}: its run config has no Model section");
        var model = Create(section, path);
        try
        {
            Training.Checkpoint.LoadWeights(model.AsModule, path);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.SetEval();
        return model;
    }

    /// <summary>The <c>kind</c> that model files other than flow models carry in their checkpoint metadata
    /// (<see cref="Pmd.SemanticMatcherFile"/>), or null (no metadata, unreadable metadata or no kind: left to the loader).</summary>
    static string? KindInMetadata(string path)
    {
        if (!File.Exists(Training.Checkpoint.MetadataPath(path))) return null;
        try
        {
            return Training.Checkpoint.ReadMetadata(path).GetValueOrDefault(Pmd.SemanticMatcherFile.KindKey);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The file beside an output that names its own architecture (<c>NAME.model.json</c> for <c>NAME.safetensors</c>): a
    /// recipe whose run trains or uses several networks (MDFlow: teacher and student) writes there the run config with
    /// its <c>Model</c> section set to that output's network.
    /// </summary>
    public static string ModelConfigPath(string weightsPath) => Path.ChangeExtension(weightsPath, ".model.json");

    /// <summary>The run config of a weight file: <see cref="ModelConfigPath"/> when present, else its checkpoint
    /// metadata, else <c>config.json</c> beside it.</summary>
    public static JsonNode ReadRunConfig(string path)
    {
        var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "config.json");
        string json;
        if (File.Exists(ModelConfigPath(path)))
            json = File.ReadAllText(ModelConfigPath(path));
        else if (File.Exists(Training.Checkpoint.MetadataPath(path)) || path.EndsWith(".safetensors") && Weights.SafetensorsHeader.HasMetadata(path))
            json = Training.Checkpoint.ReadMetadata(path).GetValueOrDefault("config") ?? throw new InvalidDataException($"{path}: no config in its metadata");
        else if (File.Exists(beside)) json = File.ReadAllText(beside);
        else throw new InvalidDataException($"{path}: no run config beside it ({beside}) nor in checkpoint metadata; the architecture is unknown");
        try
        {
            return JsonNode.Parse(json) ?? throw new InvalidDataException($"{path}: empty run config");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: its run config is not valid JSON ({e.Message})", e);
        }
    }
}
