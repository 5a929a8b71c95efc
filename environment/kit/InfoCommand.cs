using System.IO.MemoryMappedFiles;
using System.Text;
using DistillKit.Runtime;
using TorchSharp;

namespace DistillKit.Cli;

/// <summary><c>./kit info</c>: library, TorchSharp and LibTorch versions, threads, BLAS/oneDNN, allocator tuning, CUDA.</summary>
public static class InfoCommand
{
    public static int Run(string[] args)
    {
        Console.WriteLine($"DistillKit {typeof(TorchRuntime).Assembly.GetName().Version}");
        Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version}   LibTorch {torch.__version__}   natives from {TorchRuntime.LibraryFolder}");
        Console.WriteLine($"threads: {torch.get_num_threads()} intra-op, {torch.get_num_interop_threads()} inter-op");
        using (var scope = torch.NewDisposeScope())
        {
            var m = torch.arange(4, dtype: torch.float32).view(2, 2);
            double trace = m.matmul(m).trace().ToDouble(); // [[0,1],[2,3]]² has trace 2 + 11 = 13
            Console.WriteLine($"op check: 2×2 matmul trace {trace} ({(trace == 13 ? "ok" : "WRONG")})");
        }
        var cpu = Path.Combine(TorchRuntime.LibraryFolder, "libtorch_cpu.so");
        if (File.Exists(cpu))
        {
            var found = Markers(cpu, ["Intel(R) oneAPI Math Kernel Library", "OpenBLAS", "dnnl_", "GOMP_parallel"]);
            Console.WriteLine($"BLAS: {(found[0] ? "Intel oneMKL" : found[1] ? "OpenBLAS" : "not identified")}   oneDNN: {(found[2] ? "yes" : "no")}   OpenMP: {(found[3] ? "yes (libgomp)" : "not identified")}");
        }
        Console.WriteLine($"glibc allocator tuning: {(TorchRuntime.MallocTuned ? "on" : "off")} (DISTILLKIT_MALLOC_TUNING=0 turns it off)");
        bool cuda = torch.cuda.is_available();
        Console.WriteLine($"CUDA: {(cuda ? $"available, {torch.cuda.device_count()} device(s)" : "not available (CPU build, or no GPU)")}");
        return 0;
    }

    /// <summary>Whether each ASCII marker occurs in a (large) binary file; one pass over a memory map.</summary>
    static bool[] Markers(string path, string[] markers)
    {
        var found = new bool[markers.Length];
        var needles = markers.Select(Encoding.ASCII.GetBytes).ToArray();
        using var mmf = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = mmf.CreateViewStream(0, 0, MemoryMappedFileAccess.Read);
        var buffer = new byte[1 << 22];
        int overlap = needles.Max(n => n.Length), kept = 0;
        int read;
        while ((read = view.Read(buffer, kept, buffer.Length - kept)) > 0)
        {
            var span = buffer.AsSpan(0, kept + read);
            for (int i = 0; i < needles.Length; i++) found[i] |= span.IndexOf(needles[i]) >= 0;
            if (found.All(f => f)) break;
            kept = Math.Min(overlap, span.Length);
            span[^kept..].CopyTo(buffer);
        }
        return found;
    }
}
