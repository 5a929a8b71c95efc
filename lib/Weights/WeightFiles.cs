using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistillKit.Weights;

/// <summary>The weight-file formats the kit reads and writes, chosen by extension.</summary>
public enum WeightFormat
{
    /// <summary><c>.safetensors</c> (TorchSharp.PyBridge; Python's safetensors reads and writes it).</summary>
    Safetensors,
    /// <summary><c>.pth</c> / <c>.pt</c>: PyTorch's <c>torch.save</c> zip of a state dict (TorchSharp.PyBridge).</summary>
    PyTorch,
    /// <summary><c>.dat</c>: TorchSharp's own format (<c>Module.save</c> / <c>Module.load</c>).</summary>
    TorchSharp,
}

/// <summary>
/// Module weights in files, keyed by the PyTorch state-dict names (the modules' field names). Loading is strict by
/// name and shape; a bad file gives an <see cref="InvalidDataException"/> that names it.
/// </summary>
public static class WeightFiles
{
    /// <summary>The format of a path, by its extension.</summary>
    public static WeightFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".safetensors" => WeightFormat.Safetensors,
        ".pth" or ".pt" => WeightFormat.PyTorch,
        ".dat" => WeightFormat.TorchSharp,
        var e => throw new ArgumentException($"{path}: unknown weight format '{e}' (use .safetensors, .pth/.pt or .dat)", nameof(path)),
    };

    /// <summary>Writes the module's state dict to <paramref name="path"/> in the format of its extension.</summary>
    public static void Save(Module module, string path) => Save(module, path, FormatOf(path));

    /// <summary>Writes the module's state dict to <paramref name="path"/> in <paramref name="format"/>, whatever the
    /// path's extension (a temporary name).</summary>
    public static void Save(Module module, string path, WeightFormat format)
    {
        switch (format)
        {
            case WeightFormat.Safetensors: module.save_safetensors(path); break;
            case WeightFormat.PyTorch: module.save_py(path); break;
            default: module.save(path); break;
        }
    }

    /// <summary>Named tensors of a <c>.safetensors</c> or <c>.pth</c> file (the caller disposes them).</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        var format = FormatOf(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"no such weight file: {path}", path);
        try
        {
            if (format == WeightFormat.Safetensors)
            {
                SafetensorsHeader.CheckLayout(path); // sizes PyBridge would trust: header length, shapes against offsets
                return Safetensors.LoadStateDict(path);
            }
            if (format == WeightFormat.PyTorch)
            {
                PickleScan.Check(path); // lengths Razorvine.Pickle would allocate before reading them
                var table = PyTorchUnpickler.UnpickleStateDict(path);
                var result = new Dictionary<string, Tensor>();
                foreach (DictionaryEntry e in table)
                    if (e.Key is string k && e.Value is Tensor t) result[k] = t;
                return result;
            }
        }
        catch (InvalidDataException e) when (e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw; // the kit's own checks name the file already
        }
        catch (Exception e) when (e is not (OutOfMemoryException or FileNotFoundException))
        {
            throw new InvalidDataException($"{path}: not a readable {format} weight file ({e.GetType().Name}: {FirstLine(e.Message)})", e);
        }
        throw new ArgumentException($"{path}: TorchSharp .dat files hold no names to read without a module; use Load(module, path)", nameof(path));
    }

    /// <summary>Loads <paramref name="path"/> into <paramref name="module"/>, strictly by name and shape.</summary>
    public static void Load(Module module, string path)
    {
        var format = FormatOf(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"no such weight file: {path}", path);
        if (format == WeightFormat.TorchSharp)
        {
            DatScan.Check(path); // the rank TorchSharp would allocate an array for before reading it
            try
            {
                module.load(path, strict: true);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException($"{path}: does not load into this {module.GetType().Name} ({FirstLine(e.Message)})", e);
            }
            return;
        }
        var weights = Read(path);
        try
        {
            StateDicts.LoadStrict(module, weights, path);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>The first line of a (native) exception message, without libtorch's stack frames.</summary>
    internal static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
