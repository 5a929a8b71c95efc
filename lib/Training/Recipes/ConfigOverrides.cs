using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistillKit.Training.Recipes;

/// <summary>
/// Changes to a recipe config without code: a JSON file merged over it (only the keys it names change) and
/// <c>Key.Sub[0].Name=Value</c> settings (the value is JSON – a number, true/false, a quoted string, an array – or else
/// taken as a string). Keys follow the config's JSON names (case-insensitive); an unknown key is an error listing
/// the keys available there.
/// </summary>
public static class ConfigOverrides
{
    public static T Apply<T>(T config, string? configFile = null, IEnumerable<string>? settings = null) where T : class
    {
        var node = JsonSerializer.SerializeToNode(config, Json.Options)!;
        if (configFile is not null)
        {
            if (!File.Exists(configFile)) throw new FileNotFoundException($"no such config file: {configFile}", configFile);
            JsonNode? overlay;
            try { overlay = JsonNode.Parse(File.ReadAllText(configFile)); }
            catch (JsonException e) { throw new InvalidDataException($"{configFile}: not valid JSON ({e.Message})", e); }
            if (overlay is not JsonObject o) throw new InvalidDataException($"{configFile}: expected a JSON object");
            Merge((JsonObject)node, o, configFile);
        }
        foreach (var setting in settings ?? [])
        {
            int eq = setting.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--set {setting}: expected Key=Value (e.g. Optim.LearningRate=1e-4)");
            Set(node, setting[..eq].Trim(), ParseValue(setting[(eq + 1)..].Trim()), setting);
        }
        try
        {
            return node.Deserialize<T>(Json.Options) ?? throw new ArgumentException("the config became empty");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"the changed config is not a valid {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The same config rescaled to <paramref name="totalSteps"/> in all: its loss phases in proportion (see
    /// <see cref="LossPhases.ScaleTo"/>), and with them every other step count that belongs to the schedule, by the same
    /// ratio: a data warm-up (<c>WarmupSteps</c>, the steps drawn from the warm-up pairs) and the learning-rate schedule's
    /// <c>Milestones</c> and <c>StepSize</c>, wherever they sit in the config. Without that a shortened run spent all its
    /// steps on the warm-up pairs (MDFlow's laptop teacher init at 600 of 2000 steps never saw a footage batch) and a
    /// lengthened one dropped its learning rate early.
    /// </summary>
    public static T WithTotalSteps<T>(T config, long totalSteps) where T : class, IRecipeConfig
    {
        long before = LossPhases.Total(config.Phases);
        var phases = LossPhases.ScaleTo(config.Phases, totalSteps);
        if (before <= 0 || before == totalSteps) return WithPhases(config, phases);
        var node = JsonSerializer.SerializeToNode(config, Json.Options)!.AsObject();
        node.Remove(nameof(IRecipeConfig.Phases));
        ScaleScheduleSteps(node, totalSteps / (double)before);
        node[nameof(IRecipeConfig.Phases)] = JsonSerializer.SerializeToNode(phases, Json.Options);
        return node.Deserialize<T>(Json.Options)!;
    }

    static readonly string[] ScheduleStepKeys = ["WarmupSteps", "Milestones", "StepSize"];

    static void ScaleScheduleSteps(JsonNode? node, double ratio)
    {
        if (node is JsonArray array) { foreach (var item in array) ScaleScheduleSteps(item, ratio); return; }
        if (node is not JsonObject obj) return;
        foreach (var (key, value) in obj.ToList())
        {
            if (!ScheduleStepKeys.Contains(key, StringComparer.OrdinalIgnoreCase)) { ScaleScheduleSteps(value, ratio); continue; }
            obj[key] = value switch
            {
                JsonArray steps => new JsonArray(steps.Select(s => (JsonNode)JsonValue.Create(Scaled(s!.GetValue<long>(), ratio))).ToArray()),
                JsonValue v when v.TryGetValue<long>(out var n) => JsonValue.Create(Scaled(n, ratio)),
                _ => value?.DeepClone(),
            };
        }
    }

    static long Scaled(long steps, double ratio) => steps <= 0 ? steps : Math.Max(1, (long)Math.Round(steps * ratio));

    /// <summary>The same config with other loss phases (for example <see cref="LossPhases.ExtendTo"/>).</summary>
    public static T WithPhases<T>(T config, IReadOnlyList<LossPhase> phases) where T : class, IRecipeConfig
    {
        var node = JsonSerializer.SerializeToNode(config, Json.Options)!.AsObject();
        node[nameof(IRecipeConfig.Phases)] = JsonSerializer.SerializeToNode(phases, Json.Options);
        return node.Deserialize<T>(Json.Options)!;
    }

    static JsonNode? ParseValue(string text)
    {
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return JsonValue.Create(text); }
    }

    static void Merge(JsonObject target, JsonObject overlay, string source)
    {
        foreach (var (key, value) in overlay.ToList())
        {
            var name = Match(target, key, source);
            if (value is JsonObject o && target[name] is JsonObject t) Merge(t, o, source);
            else target[name] = value?.DeepClone();
        }
    }

    static string Match(JsonObject obj, string key, string source)
    {
        foreach (var (name, _) in obj)
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase)) return name;
        if (obj.Count == 0) return key; // a free-form dictionary (e.g. loss weights) takes new keys
        throw new ArgumentException($"{source}: unknown key '{key}'; here the config has: {string.Join(", ", obj.Select(kv => kv.Key))}");
    }

    static void Set(JsonNode root, string path, JsonNode? value, string setting)
    {
        var parts = path.Split('.');
        JsonNode current = root;
        for (int i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            int? index = null;
            int bracket = part.IndexOf('[');
            if (bracket >= 0)
            {
                if (!part.EndsWith(']') || !int.TryParse(part[(bracket + 1)..^1], out var k)) throw new ArgumentException($"--set {setting}: bad index in '{part}'");
                index = k;
                part = part[..bracket];
            }
            if (current is not JsonObject obj) throw new ArgumentException($"--set {setting}: '{part}' is inside a value, not an object");
            bool isLast = i == parts.Length - 1 && index is null;
            bool freeForm = obj.Count == 0 || parts.Length > 1 && i > 0 && IsDictionary(obj);
            var name = freeForm && !obj.Any(kv => string.Equals(kv.Key, part, StringComparison.OrdinalIgnoreCase)) ? part : Match(obj, part, "--set " + setting);
            if (isLast)
            {
                obj[name] = value?.DeepClone();
                return;
            }
            var next = obj[name] ?? throw new ArgumentException($"--set {setting}: '{part}' is null in this config; set the whole value instead");
            if (index is { } idx)
            {
                if (next is not JsonArray arr || idx < 0 || idx >= arr.Count)
                    throw new ArgumentException($"--set {setting}: '{part}' has no element [{idx}] ({(next is JsonArray a ? a.Count + " elements" : "not a list")})");
                if (i == parts.Length - 1) { arr[idx] = value?.DeepClone(); return; }
                next = arr[idx]!;
            }
            current = next;
        }
    }

    // a loss-weight dictionary: every value a number
    static bool IsDictionary(JsonObject obj) => obj.All(kv => kv.Value is JsonValue v && v.TryGetValue<double>(out _));
}
