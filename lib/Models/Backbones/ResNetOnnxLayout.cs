using DistillKit.Weights;

namespace DistillKit.Models.Backbones;

/// <summary>
/// Where the weights of an ONNX ResNet built of basic blocks go in a TorchVision-named module, read off the graph's
/// structure (never off the initializers' numbering): from the graph input, the stem Conv → BatchNormalization → Relu
/// → MaxPool; then blocks, each a 3×3 Conv → BN → Relu → 3×3 Conv → BN → Add(·, shortcut) → Relu, the shortcut being
/// the block input or a 1×1 Conv → BN of it (a block with such a projection opens the next stage); then the average
/// pool that is the graph's output.
/// </summary>
/// <param name="Weights">state-dict name (<c>layer4.2.bn2.running_var</c>) → ONNX initializer name (<c>Parameter…</c>/<c>Constant…</c>)</param>
/// <param name="BlocksPerStage">basic blocks found in each stage</param>
/// <param name="StageStrides">stride of each stage's first block</param>
/// <param name="StageOutputs">ONNX tensor holding the output of layer1 … layerN (after the last block's ReLU)</param>
/// <param name="Input">the graph input (preprocessed BGR image)</param>
/// <param name="PooledOutput">the graph output (the average-pooled features)</param>
public sealed record ResNetOnnxLayout(IReadOnlyDictionary<string, string> Weights, IReadOnlyList<int> BlocksPerStage,
    IReadOnlyList<int> StageStrides, IReadOnlyList<string> StageOutputs, string Input, string PooledOutput)
{
    /// <summary>Traces <paramref name="graph"/>; an <see cref="InvalidDataException"/> naming the file and the node says where it departs from the pattern.</summary>
    public static ResNetOnnxLayout Trace(OnnxGraph graph) => new Tracer(graph).Run();

    sealed class Tracer(OnnxGraph g)
    {
        readonly Dictionary<string, List<OnnxNode>> _consumers = Consumers(g);
        readonly Dictionary<string, string> _weights = new();

        public ResNetOnnxLayout Run()
        {
            if (g.Inputs.Count != 1) throw Bad($"has {g.Inputs.Count} inputs besides its initializers ({string.Join(", ", g.Inputs)}); a ResNet has one image input");
            var input = g.Inputs[0];
            var stem = Conv(Next(input, "Conv"), "conv1", 7, 2);
            var x = Relu(Norm(stem, "bn1"));
            var pool = Next(x, "MaxPool");
            if (pool.Ints("kernel_shape") is not [3, 3] || pool.Ints("strides", 1, 1) is not [2, 2] || pool.Int("ceil_mode", 0) != 0)
                throw Bad($"{pool.Name}: expected a 3×3 stride-2 max-pool (floor mode)");
            CheckWindow(pool, 3, 2);
            x = pool.Outputs[0];

            var blocks = new List<int>();
            var strides = new List<int>();
            var stageOutputs = new List<string>();
            while (_consumers.GetValueOrDefault(x)?.Any(n => n.OpType == "Conv") == true)
            {
                var convs = _consumers[x].Where(n => n.OpType == "Conv").ToList();
                var shortcutConv = convs.Where(c => Kernel(c) == 1).ToList();
                if (blocks.Count == 0 || shortcutConv.Count > 0) // a projection shortcut opens a stage (layer1.0 has none)
                {
                    if (blocks.Count > 0) stageOutputs.Add(x);
                    blocks.Add(0);
                    strides.Add((int)(convs.FirstOrDefault(c => Kernel(c) == 3)?.Ints("strides", 1)[0] ?? 0));
                }
                var prefix = $"layer{blocks.Count}.{blocks[^1]}";
                x = Block(x, prefix, convs, shortcutConv);
                blocks[^1]++;
            }
            stageOutputs.Add(x);

            var avg = (_consumers.GetValueOrDefault(x) ?? []).Where(n => n.OpType is "AveragePool" or "GlobalAveragePool").ToList();
            if (avg.Count != 1 || !g.Outputs.Contains(avg[0].Outputs[0]))
                throw Bad($"the last block's output {x} does not end in one average pool that is the graph output");
            var unused = g.Initializers.Keys.Except(_weights.Values).ToList();
            if (unused.Count > 0) throw Bad($"{unused.Count} initializers are not weights of the traced network ({string.Join(", ", unused.Take(5))})");
            return new ResNetOnnxLayout(_weights, blocks, strides, stageOutputs, input, avg[0].Outputs[0]);
        }

        string Block(string x, string prefix, List<OnnxNode> convs, List<OnnxNode> shortcutConv)
        {
            var main = convs.Where(c => Kernel(c) == 3).ToList();
            if (main.Count != 1 || shortcutConv.Count > 1 || convs.Count != main.Count + shortcutConv.Count)
                throw Bad($"block {prefix} at {x}: expected one 3×3 convolution (and at most one 1×1 shortcut), found {string.Join(", ", convs.Select(c => $"{c.Name} {Kernel(c)}×{Kernel(c)}"))}");
            int stride = (int)main[0].Ints("strides", 1)[0];
            var y = Relu(Norm(Conv(main[0], $"{prefix}.conv1", 3, stride), $"{prefix}.bn1"));
            y = Norm(Conv(Next(y, "Conv"), $"{prefix}.conv2", 3, 1), $"{prefix}.bn2");
            var add = Next(y, "Add");
            string shortcut = x;
            if (shortcutConv.Count == 1)
                shortcut = Norm(Conv(shortcutConv[0], $"{prefix}.downsample.0", 1, stride), $"{prefix}.downsample.1");
            if (add.Inputs.Length != 2 || !add.Inputs.Contains(shortcut))
                throw Bad($"block {prefix}: {add.Name} adds [{string.Join(", ", add.Inputs)}], not the main branch and the shortcut {shortcut}");
            return Relu(add.Outputs[0]);
        }

        /// <summary>Maps a bias-free convolution's weight; checks kernel, stride, groups, dilation and padding.</summary>
        string Conv(OnnxNode conv, string name, int kernel, int stride)
        {
            if (conv.Inputs.Length != 2) throw Bad($"{conv.Name} ({name}) has {(conv.Inputs.Length > 2 ? "a bias" : "no weight")}; TorchVision's convolutions have a weight and no bias");
            var k = conv.Ints("kernel_shape");
            var s = conv.Ints("strides", 1, 1);
            if (k.Length != 2 || k[0] != kernel || k[1] != kernel || s.Length != 2 || s[0] != stride || s[1] != stride)
                throw Bad($"{conv.Name} ({name}): kernel [{string.Join(",", k)}] strides [{string.Join(",", s)}], expected {kernel}×{kernel} stride {stride}");
            if (conv.Int("group", 1) != 1 || conv.Ints("dilations", 1, 1).Any(v => v != 1))
                throw Bad($"{conv.Name} ({name}) is grouped or dilated");
            CheckWindow(conv, kernel, stride);
            Map(name + ".weight", conv.Inputs[1]);
            return conv.Outputs[0];
        }

        /// <summary>
        /// Padding PyTorch's symmetric k/2 reproduces: symmetric, or CNTK's "same" padding of a stride-2 layer (begin k/2,
        /// end k/2 − 1), whose extra end column no window of an even-sized input reaches.
        /// </summary>
        void CheckWindow(OnnxNode node, int kernel, int stride)
        {
            if (node.Attributes.TryGetValue("auto_pad", out var auto) && auto.Text is { } mode && mode != "NOTSET")
                throw Bad($"{node.Name} uses auto_pad {mode}; the kit reads explicit pads only");
            var p = node.Ints("pads", 0, 0, 0, 0);
            int half = kernel / 2;
            bool ok = p.Length == 4 && p[0] == half && p[1] == half && (p[2] == half || (stride == 2 && p[2] == half - 1)) && p[3] == p[2];
            if (!ok) throw Bad($"{node.Name}: pads [{string.Join(",", p)}] for a {kernel}×{kernel} stride-{stride} window, which PyTorch's symmetric padding {half} does not reproduce");
        }

        /// <summary>Maps an inference BatchNormalization (scale, B, mean, var) with ε = 1e-5, PyTorch's default.</summary>
        string Norm(string x, string name)
        {
            var bn = Next(x, "BatchNormalization");
            if (bn.Inputs.Length != 5 || bn.Outputs.Length != 1) throw Bad($"{bn.Name} ({name}) is not an inference-mode batch norm with scale, bias, mean and variance");
            float eps = bn.Attributes.TryGetValue("epsilon", out var e) && e.Float is { } f ? f : 1e-5f;
            if (eps != 1e-5f) throw Bad($"{bn.Name} ({name}) has ε = {eps}; the kit's BatchNorm2d uses 1e-5");
            if (bn.Int("spatial", 1) != 1) throw Bad($"{bn.Name} ({name}) is not spatial");
            Map(name + ".weight", bn.Inputs[1]);
            Map(name + ".bias", bn.Inputs[2]);
            Map(name + ".running_mean", bn.Inputs[3]);
            Map(name + ".running_var", bn.Inputs[4]);
            return bn.Outputs[0];
        }

        string Relu(string x) => Next(x, "Relu").Outputs[0];

        void Map(string name, string initializer)
        {
            if (!g.Initializers.ContainsKey(initializer)) throw Bad($"{name} should come from an initializer, but {initializer} is computed");
            if (_weights.ContainsValue(initializer)) throw Bad($"initializer {initializer} is used twice");
            _weights.Add(name, initializer);
        }

        /// <summary>The one node of type <paramref name="op"/> that reads tensor <paramref name="x"/>.</summary>
        OnnxNode Next(string x, string op)
        {
            var found = (_consumers.GetValueOrDefault(x) ?? []).Where(n => n.OpType == op).ToList();
            if (found.Count != 1) throw Bad($"expected one {op} reading {x}, found {found.Count}");
            return found[0];
        }

        static long Kernel(OnnxNode conv) => conv.Ints("kernel_shape") is [var h, var w] && h == w ? h : -1;

        InvalidDataException Bad(string what) =>
            new($"{g.Path}: the graph ({g.Producer}) is not the ResNet the kit reads: {what}");

        static Dictionary<string, List<OnnxNode>> Consumers(OnnxGraph g)
        {
            var map = new Dictionary<string, List<OnnxNode>>();
            foreach (var n in g.Nodes)
                foreach (var i in n.Inputs.Distinct())
                    (map.TryGetValue(i, out var list) ? list : map[i] = []).Add(n);
            return map;
        }
    }
}
