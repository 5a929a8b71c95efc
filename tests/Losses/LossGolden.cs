using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using DistillKit.Torch;

namespace DistillKit.Tests.Losses;

/// <summary>
/// Golden tensors written by tests/reference/make_loss_golden.py (PyTorch, /usr/bin/python3) into
/// build/golden/losses/ (git-ignored). Generated on first use, and again whenever the script changes (its SHA-256 is
/// stamped beside the data): the script runs into a temporary folder that is then renamed into place.
/// </summary>
internal static class LossGolden
{
    const string Python = "/usr/bin/python3";
    static readonly Lazy<(Dictionary<string, (long[] shape, long offset)> index, float[] data)> s_golden = new(Load);

    /// <summary>The repository root: the first folder above the test binaries that holds Lib.csproj.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Lib.csproj"))) return d.FullName;
            throw new InvalidOperationException($"no folder holding Lib.csproj above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>A new float32 tensor holding the golden tensor <paramref name="name"/>.</summary>
    public static Tensor Get(string name)
    {
        var (index, data) = s_golden.Value;
        if (!index.TryGetValue(name, out var entry)) throw new KeyNotFoundException($"golden tensor '{name}' not found");
        long n = entry.shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[n];
        Array.Copy(data, entry.offset, values, 0, n);
        return torch.from_array(values, entry.shape);
    }

    static (Dictionary<string, (long[] shape, long offset)>, float[]) Load()
    {
        var root = RepoRoot;
        var script = Path.Combine(root, "tests", "reference", "make_loss_golden.py");
        var folder = Path.Combine(root, "build", "golden", "losses");
        var hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(script)));
        var stamp = Path.Combine(folder, "script.sha256");
        if (!File.Exists(stamp) || File.ReadAllText(stamp).Trim() != hash) Generate(script, folder, hash);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "index.json")));
        var index = new Dictionary<string, (long[], long)>();
        foreach (var t in json.RootElement.GetProperty("tensors").EnumerateObject())
            index[t.Name] = (t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(), t.Value.GetProperty("offset").GetInt64());
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("golden files are little-endian float32");
        var bytes = File.ReadAllBytes(Path.Combine(folder, "data.bin"));
        var data = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, data, 0, data.Length * 4);
        return (index, data);
    }

    static void Generate(string script, string folder, string hash)
    {
        if (!File.Exists(Python)) throw new InvalidOperationException($"{Python} (with python3-torch) is needed to generate {folder}");
        var tmp = folder + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        var psi = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(tmp);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({p.ExitCode}): {stderr.Result}");
        File.WriteAllText(Path.Combine(tmp, "script.sha256"), hash);
        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        try
        {
            Directory.Move(tmp, folder);
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            Directory.Delete(tmp, recursive: true); // another test process won the race with the same script
        }
    }
}
