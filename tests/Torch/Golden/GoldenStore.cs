using System.Text.Json;
using DistillKit.Tests.Support;
using Xunit;

namespace DistillKit.Tests.Torch;

/// <summary>
/// The operator golden files under build/golden/ops/ (git-ignored), written on first use, and again whenever the
/// script changes, by tests/reference/make_op_golden.py with Debian's python3-torch (the same libtorch 1.13.1).
/// </summary>
public static class GoldenStore
{
    static readonly Lazy<string> s_folder = new(() => ReferenceScripts.Golden("ops", "make_op_golden.py"));
    static readonly Lazy<Dictionary<string, string[]>> s_manifest = new(ReadManifest);

    /// <summary>The folder holding manifest.json and one sub-folder per family.</summary>
    public static string Folder => s_folder.Value;

    /// <summary>Case names of one family, as xunit theory data.</summary>
    public static TheoryData<string> Cases(string family)
    {
        if (!s_manifest.Value.TryGetValue(family, out var names))
            throw new InvalidOperationException($"no golden family '{family}' in {Folder}/manifest.json");
        var data = new TheoryData<string>();
        foreach (var n in names) data.Add(n);
        return data;
    }

    public static GoldenCase Load(string family, string name) => GoldenCase.Read(Path.Combine(Folder, family, name + ".bin"));

    static Dictionary<string, string[]> ReadManifest()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "manifest.json")));
        return doc.RootElement.GetProperty("families").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetString()!).ToArray());
    }
}
