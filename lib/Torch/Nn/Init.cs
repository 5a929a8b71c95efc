using DistillKit.Torch.Modules;

namespace DistillKit.Torch;

public static partial class torch
{
    public static partial class nn
    {
        public enum FanMode { FanIn, FanOut }
        public enum Nonlinearity { Linear, ReLU, LeakyReLU, Tanh, Sigmoid }

        public static Conv2d Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias);
        public static ConvTranspose2d ConvTranspose2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long output_padding = 0, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias);
        public static Linear Linear(long in_features, long out_features, bool bias = true) => new(in_features, out_features, bias);
        public static BatchNorm2d BatchNorm2d(long num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true) => new(num_features, eps, momentum, affine);
        public static InstanceNorm2d InstanceNorm2d(long num_features, double eps = 1e-5, bool affine = false) => new(num_features, eps, affine);
        public static GroupNorm GroupNorm(long num_groups, long num_channels, double eps = 1e-5) => new(num_groups, num_channels, eps);
        public static Activation ReLU() => new("ReLU", x => x.relu());
        public static Activation LeakyReLU(double negative_slope = 0.01) => new($"LeakyReLU({negative_slope})", x => functional.leaky_relu(x, negative_slope));
        public static Activation Sigmoid() => new("Sigmoid", x => x.sigmoid());
        public static Activation Tanh() => new("Tanh", x => x.tanh());
        public static Activation GELU() => new("GELU", functional.gelu);
        public static Dropout Dropout(double p = 0.5) => new(p);
        public static Identity Identity() => new();
        public static Sequential Sequential(params Module<Tensor, Tensor>[] modules) => new(modules);
        public static ModuleList<T> ModuleList<T>(params T[] modules) where T : Module => new(modules);

        /// <summary><c>torch.nn.init</c>: in-place initialisers (run without recording gradients).</summary>
        public static class init
        {
            static (long fanIn, long fanOut) Fans(Tensor t)
            {
                var s = t.shape;
                if (s.Length < 2) throw new ArgumentException("fan in/out needs a tensor of at least 2 dimensions");
                long receptive = 1;
                for (int i = 2; i < s.Length; i++) receptive *= s[i];
                return (s[1] * receptive, s[0] * receptive);
            }

            /// <summary>PyTorch's calculate_gain.</summary>
            public static double calculate_gain(Nonlinearity nonlinearity, double param = 0.01) => nonlinearity switch
            {
                Nonlinearity.ReLU => Math.Sqrt(2.0),
                Nonlinearity.LeakyReLU => Math.Sqrt(2.0 / (1 + param * param)),
                Nonlinearity.Tanh => 5.0 / 3,
                _ => 1.0,
            };

            public static Tensor uniform_(Tensor t, double low = 0, double high = 1)
            {
                using var ng = no_grad();
                return t.uniform_(low, high);
            }

            public static Tensor normal_(Tensor t, double mean = 0, double std = 1)
            {
                using var ng = no_grad();
                return t.normal_(mean, std);
            }

            public static Tensor constant_(Tensor t, double value)
            {
                using var ng = no_grad();
                return t.fill_(value);
            }

            public static Tensor zeros_(Tensor t) => constant_(t, 0);
            public static Tensor ones_(Tensor t) => constant_(t, 1);

            public static Tensor kaiming_uniform_(Tensor t, double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyReLU)
            {
                var (fi, fo) = Fans(t);
                var std = calculate_gain(nonlinearity, a) / Math.Sqrt(mode == FanMode.FanIn ? fi : fo);
                var bound = Math.Sqrt(3.0) * std;
                return uniform_(t, -bound, bound);
            }

            public static Tensor kaiming_normal_(Tensor t, double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyReLU)
            {
                var (fi, fo) = Fans(t);
                var std = calculate_gain(nonlinearity, a) / Math.Sqrt(mode == FanMode.FanIn ? fi : fo);
                return normal_(t, 0, std);
            }

            public static Tensor xavier_uniform_(Tensor t, double gain = 1)
            {
                var (fi, fo) = Fans(t);
                var bound = gain * Math.Sqrt(6.0 / (fi + fo));
                return uniform_(t, -bound, bound);
            }

            public static Tensor xavier_normal_(Tensor t, double gain = 1)
            {
                var (fi, fo) = Fans(t);
                return normal_(t, 0, gain * Math.Sqrt(2.0 / (fi + fo)));
            }

            /// <summary>PyTorch's default for conv and linear layers: kaiming_uniform(a=√5), bias U(±1/√fan_in).</summary>
            /// PyTorch computes fan_in from the weight as stored, also for transposed convs ([in, out/g, k, k]).
            internal static void ResetConv(Tensor weight, Tensor? bias)
            {
                kaiming_uniform_(weight, Math.Sqrt(5));
                if (bias is null) return;
                var (fi, _) = Fans(weight);
                var bound = fi > 0 ? 1 / Math.Sqrt(fi) : 0;
                uniform_(bias, -bound, bound);
            }
        }
    }
}
