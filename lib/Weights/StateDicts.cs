using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistillKit.Weights;

/// <summary>Strict loading of a named tensor dictionary into a module, with errors that name the file and the keys.</summary>
public static class StateDicts
{
    /// <summary>
    /// Copies <paramref name="weights"/> into <paramref name="model"/> by PyTorch state-dict name. Every key of the model
    /// must be present with the same shape and no extra key may be given; otherwise an <see cref="InvalidDataException"/>
    /// names <paramref name="source"/> and lists the missing, unexpected or misshapen keys.
    /// </summary>
    public static void LoadStrict(Module model, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var own = model.state_dict();
        var missing = own.Keys.Where(k => !weights.ContainsKey(k)).ToList();
        var unexpected = weights.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var misshapen = own.Where(kv => weights.TryGetValue(kv.Key, out var w) && !w.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key} [{string.Join(",", weights[kv.Key].shape)}] vs model [{string.Join(",", kv.Value.shape)}]").ToList();
        if (missing.Count + unexpected.Count + misshapen.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing keys: {Preview(missing)}");
            if (unexpected.Count > 0) parts.Add($"unexpected keys: {Preview(unexpected)}");
            if (misshapen.Count > 0) parts.Add($"shape mismatches: {Preview(misshapen)}");
            throw new InvalidDataException($"{source}: does not fit this model ({model.GetType().Name}; {string.Join("; ", parts)}). " +
                "Was it written for another preset or architecture?");
        }
        using (torch.no_grad())
            foreach (var (key, target) in own)
            {
                var value = weights[key];
                target.copy_(value.dtype == target.dtype ? value : value.to_type(target.dtype));
            }
    }

    static string Preview(List<string> keys) =>
        string.Join(", ", keys.Take(6)) + (keys.Count > 6 ? $" … ({keys.Count} in all)" : "");
}
