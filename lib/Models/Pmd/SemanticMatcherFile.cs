using System.Text.Json;
using System.Text.Json.Nodes;
using DistillKit.Training;

namespace DistillKit.Models.Pmd;

/// <summary>
/// A trained PMD matcher on disk, in the kit's checkpoint format (<see cref="Checkpoint"/>): <c>NAME.safetensors</c> holds
/// the head's state dict (<see cref="ISemanticMatcher.AsModule"/>: adaptation, attention and batch-norm statistics under
/// their PyTorch names; the frozen backbone is not stored, the config's <see cref="PmdConfig.Backbone"/> names it and
/// <see cref="PmdBackbone.Pretrained"/> builds it), <c>NAME.json</c> beside it the metadata: <c>kind</c>
/// (<see cref="StudentKind"/> or <see cref="TeacherKind"/>), <c>model</c> (the <see cref="PmdConfig"/> as JSON),
/// <c>step</c>, <c>seed</c>, <c>config</c> (the recipe's config JSON), the library version and the tensor file's SHA-256
/// and length. Both files are written to temporary names, flushed and renamed, metadata last.
/// </summary>
public static class SemanticMatcherFile
{
    public const string StudentKind = "pmd-student", TeacherKind = "pmd-teacher";

    /// <summary><see cref="KindOf"/> of a flow model file: this prefix and the model kind (<c>flow:PwcNet</c>).</summary>
    public const string FlowKindPrefix = "flow:";

    /// <summary><see cref="KindOf"/> of a run whose config names a model no loader of this kit builds from the file alone
    /// (a training checkpoint of a PMD recipe: <c>model:Pmd</c>).</summary>
    public const string OtherModelKindPrefix = "model:";

    /// <summary>Metadata keys of the kind and of the matcher's <see cref="PmdConfig"/>.</summary>
    public const string KindKey = "kind", ModelKey = "model";

    /// <summary>
    /// Writes the trainable weights of <paramref name="model"/> (a <see cref="PmdStudent"/> or <see cref="PmdTeacher"/>) to
    /// <paramref name="path"/> (a <c>.safetensors</c> file) and the metadata beside it, atomically (see the class).
    /// <paramref name="recipeConfigJson"/> is the recipe's config (<c>"{}"</c> when there is none); it must be JSON.
    /// </summary>
    public static void Save(string path, ISemanticMatcher model, long step, long seed, string recipeConfigJson)
    {
        if (!string.Equals(Path.GetExtension(path), ".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{path}: a PMD matcher file is .safetensors (its metadata goes beside it, as .json)", nameof(path));
        string kind = model switch
        {
            PmdStudent => StudentKind,
            PmdTeacher => TeacherKind,
            _ => throw new ArgumentException($"SemanticMatcherFile.Save: {model.GetType().Name} is neither a {nameof(PmdStudent)} nor a {nameof(PmdTeacher)}", nameof(model)),
        };
        try
        {
            _ = JsonNode.Parse(recipeConfigJson);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"SemanticMatcherFile.Save: the recipe config is not JSON ({e.Message}); pass \"{{}}\" when there is none", nameof(recipeConfigJson), e);
        }
        var metadata = new Dictionary<string, string>
        {
            [KindKey] = kind,
            [ModelKey] = JsonSerializer.Serialize(model.Config, Json.Compact),
        };
        Checkpoint.Save(path, model.AsModule, null, step, seed, recipeConfigJson, metadata);
    }

    /// <summary>
    /// The matcher stored at <paramref name="path"/>: a <see cref="PmdStudent"/> or <see cref="PmdTeacher"/> built from the
    /// stored <see cref="PmdConfig"/>, its weights loaded strictly by name, in eval mode. Throws
    /// <see cref="FileNotFoundException"/> for a missing file and <see cref="InvalidDataException"/>, naming the file, for
    /// another kind of model (a flow model: <c>./kit flow</c> takes it), a damaged or truncated file, or weights that do
    /// not fit the stored config.
    /// </summary>
    public static ISemanticMatcher Load(string path)
    {
        var kind = MatcherKind(path);
        if (CheckpointIntegrity.Problem(path) is { } problem)
            throw new InvalidDataException($"{path}: damaged PMD matcher file: {problem}. Save or train it again.");
        var config = ConfigOf(path);
        ISemanticMatcher model = kind == StudentKind ? new PmdStudent(config) : new PmdTeacher(config);
        try
        {
            Checkpoint.LoadWeights(model.AsModule, path);
        }
        catch (InvalidDataException e)
        {
            model.Dispose();
            throw new InvalidDataException($"{e.Message} (its stored {nameof(PmdConfig)}: {JsonSerializer.Serialize(config, Json.Compact)})", e);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.SetEval();
        return model;
    }

    /// <summary>
    /// <see cref="StudentKind"/> or <see cref="TeacherKind"/>: the kind of the matcher file at <paramref name="path"/>, read
    /// from its metadata alone (cheap; <see cref="Load"/> checks the rest). For any other file the exception
    /// <see cref="Load"/> throws: <see cref="FileNotFoundException"/>, or <see cref="InvalidDataException"/> naming the file
    /// and what it holds (a flow model: <c>./kit flow</c> takes it).
    /// </summary>
    public static string MatcherKind(string path)
    {
        var kind = KindOf(path);
        if (kind is not (StudentKind or TeacherKind))
            throw new InvalidDataException(kind.StartsWith(FlowKindPrefix)
                ? $"{path}: a flow model ({kind[FlowKindPrefix.Length..]}), not a PMD matcher: `./kit flow` takes it"
                : $"{path}: holds a '{kind}', not a PMD matcher ({StudentKind} or {TeacherKind}, written by {nameof(SemanticMatcherFile)}.{nameof(Save)})");
        return kind;
    }

    /// <summary>
    /// What the model file at <paramref name="path"/> holds: the <c>kind</c> of its metadata (<see cref="StudentKind"/>,
    /// <see cref="TeacherKind"/>); for a file without one, its run config's model (<see cref="FlowModels.ReadRunConfig"/>):
    /// <see cref="FlowKindPrefix"/> and the kind for a flow model, <see cref="OtherModelKindPrefix"/> and the kind for any
    /// other. Throws <see cref="FileNotFoundException"/> for a missing file and <see cref="InvalidDataException"/> naming
    /// the file when it carries neither.
    /// </summary>
    public static string KindOf(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"no such model file: {path}" + (Directory.Exists(path) ? " (the path is a directory)" : ""), path);
        bool hasMetadata = File.Exists(Checkpoint.MetadataPath(path))
            || path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) && SafeHasHeaderMetadata(path);
        if (hasMetadata && ReadMetadata(path).TryGetValue(KindKey, out var kind)) return kind;
        JsonNode config;
        try
        {
            config = FlowModels.ReadRunConfig(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a model file of this kit: no kind in its metadata ({Checkpoint.MetadataPath(path)}) " +
                                           $"and no readable run config ({e.Message})", e);
        }
        if (config["Model"] is not JsonObject model)
            throw new InvalidDataException($"{path}: not a model file of this kit: no kind in its metadata and no Model section in its run config");
        var modelKind = model["Kind"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : FlowModels.Kinds[0];
        return (FlowModels.Kinds.Contains(modelKind) ? FlowKindPrefix : OtherModelKindPrefix) + modelKind;
    }

    /// <summary>The <see cref="PmdConfig"/> stored with a matcher (validated); <see cref="InvalidDataException"/> naming the file.</summary>
    public static PmdConfig ConfigOf(string path)
    {
        var meta = ReadMetadata(path);
        if (!meta.TryGetValue(ModelKey, out var json))
            throw new InvalidDataException($"{path}: its metadata has no '{ModelKey}' entry (the {nameof(PmdConfig)})");
        PmdConfig config;
        try
        {
            config = JsonSerializer.Deserialize<PmdConfig>(json, Json.Options) ?? throw new JsonException("null");
            config.Validate();
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: its stored {nameof(PmdConfig)} is not valid ({e.Message})", e);
        }
        return config;
    }

    static Dictionary<string, string> ReadMetadata(string path)
    {
        try
        {
            return Checkpoint.ReadMetadata(path);
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: its metadata ({Checkpoint.MetadataPath(path)}) is unreadable " +
                                           $"({Weights.WeightFiles.FirstLine(e.Message)}): damaged or not a model file of this kit", e);
        }
    }

    static bool SafeHasHeaderMetadata(string path)
    {
        try
        {
            return Weights.SafetensorsHeader.HasMetadata(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException)
        {
            return false;
        }
    }
}
