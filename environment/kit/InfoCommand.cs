using DistillKit.Torch;

namespace DistillKit.Cli;

/// <summary><c>./kit info</c>: library version, libtorch configuration, threads and devices.</summary>
public static class InfoCommand
{
    public static int Run(string[] args)
    {
        Console.WriteLine($"DistillKit {typeof(Tensor).Assembly.GetName().Version}");
        Console.WriteLine($"threads: {torch.get_num_threads()}   CUDA available: {torch.cuda.is_available()} ({torch.cuda.device_count()} devices)");
        foreach (var line in torch.config().Split('\n'))
            if (line.Contains("BLAS") || line.Contains("MKL") || line.Contains("OpenMP") || line.Contains("ATen parallel"))
                Console.WriteLine(line.Trim());
        return 0;
    }
}
