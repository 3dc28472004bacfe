"""The words of the explain trace and the gradcheck report, in English (en) and Chinese (zh, the textbook's own terms).

``REASONS``: why each of the textbook's slips is one (one line per quantity, shown under "why:"); ``DESCRIPTIONS``:
what each quantity is, by kind; ``WORDS``: every other sentence, heading and label, with ``str.format`` fields.
A long table by nature: a new language is one more entry in each of the three.
"""

LANGUAGES = ("en", "zh")

REASONS = {
    "en": {
        "z2": "x has n_x rows but w2 has n_h columns; the textbook's next paragraph says z2 depends on w2, a1 and b2.",
        "dw2": "a1 needs its transpose: dz2 (1, m) times a1ᵀ (m, n_h) sums over the m samples and has the shape of w2.",
        "db2": "the gradient of the mean cost J averages dz2 over the m samples; the textbook keeps one sample's a2 - y.",
        "da1": "w2 needs its transpose: w2ᵀ (n_h, 1) times dz2 (1, m) gives da1 one column per sample.",
        "dz1": "the textbook's product is for one sample; for m columns it is w2ᵀ dz2, multiplied element by element (⊙) "
               "with σ′(z1).",
        "dw1": "the textbook leaves out the 1/m of the mean and the transpose of x: dz1 (n_h, m) times xᵀ (m, n_x) sums "
               "over the samples.",
        "db1": "the textbook leaves out the 1/m and the sum over samples: db1 must have the shape of b1, (n_h, 1).",
    },
    "zh": {
        "z2": "x 有 n_x 行而 w2 有 n_h 列；原文下一段也说影响 z2 的是 w2、a1 和 b2。",
        "dw2": "a1 需要转置：dz2 (1, m) 乘 a1ᵀ (m, n_h) 对 m 个样本求和，形状与权重 w2 相同。",
        "db2": "平均损失 J 的梯度要对 m 个样本的 dz2 求平均；原文只写了单个样本的 a2 - y。",
        "da1": "w2 需要转置：w2ᵀ (n_h, 1) 乘 dz2 (1, m)，每个样本得到 da1 的一列。",
        "dz1": "原文的链式求导乘积针对单个样本；对 m 列是 w2ᵀ dz2 与 σ′(z1) 逐元素相乘 (⊙)。",
        "dw1": "原文漏了平均的 1/m 和 x 的转置：dz1 (n_h, m) 乘 xᵀ (m, n_x) 对样本求和。",
        "db1": "原文漏了 1/m 和对样本的求和：db1 的形状必须与偏置 b1 相同，为 (n_h, 1)。",
    },
}

DESCRIPTIONS = {
    "en": {
        "x": "input layer, one column per training sample", "y": "labels (0 or 1), one per sample",
        "w1": "weights between the input and hidden layers", "b1": "biases of the hidden layer",
        "w2": "weights between the hidden and output layers", "b2": "bias of the output layer",
        "z1": "hidden layer, weighted input", "a1": "hidden layer, sigmoid activation",
        "z2": "output layer, weighted input", "a2": "output layer, sigmoid activation (the prediction)",
        "L": "cross-entropy loss of each sample", "J": "cost: the mean loss over the m samples",
        "da2": "derivative of the loss with respect to a2",
        "σ′(z2)": "slope of the sigmoid at z2, the factor of the chain rule from a2 to z2 (da2 ⊙ σ′(z2) = a2 - y)",
        "σ′(z1)": "slope of the sigmoid at z1, the factor of the chain rule from a1 to z1",
        "dz2": "derivative of the loss with respect to z2 (chain rule through a2)",
        "dw2": "gradient of J with respect to the output-layer weights w2",
        "db2": "gradient of J with respect to the output-layer bias b2",
        "da1": "derivative of the loss with respect to the hidden activations a1",
        "dz1": "derivative of the loss with respect to the hidden weighted input z1",
        "dw1": "gradient of J with respect to the hidden-layer weights w1",
        "db1": "gradient of J with respect to the hidden-layer biases b1",
        "X": "input A[0] = X, one row per training sample", "Y": "labels (0 or 1), one row per sample",
        "W": "weights of layer {l}", "b": "biases of layer {l}", "Z": "layer {l}, weighted input",
        "A": "layer {l}, activation", "dA": "derivative of the loss with respect to {A}",
        "dZ": "derivative of the loss with respect to {Z}", "dW": "gradient of J with respect to the weights {W}",
        "db": "gradient of J with respect to the biases {b}",
    },
    "zh": {
        "x": "输入层，每个训练样本一列", "y": "标签（0 或 1），每个样本一个",
        "w1": "输入层与隐藏层之间的权重", "b1": "隐藏层的偏置",
        "w2": "隐藏层与输出层之间的权重", "b2": "输出层的偏置",
        "z1": "隐藏层的线性加权计算结果", "a1": "隐藏层经 Sigmoid 激活函数的激活输出",
        "z2": "输出层的线性加权计算结果", "a2": "输出层的激活输出（预测值）",
        "L": "每个样本的交叉熵损失函数值", "J": "代价：m 个样本损失的平均值",
        "da2": "损失函数关于 a2 的导数",
        "σ′(z2)": "Sigmoid 在 z2 处的导数，链式求导从 a2 到 z2 的因子（da2 ⊙ σ′(z2) = a2 - y）",
        "σ′(z1)": "Sigmoid 在 z1 处的导数，链式求导从 a1 到 z1 的因子", "dz2": "损失函数关于 z2 的导数（经 a2 链式求导）",
        "dw2": "代价 J 对输出层权重 w2 的梯度", "db2": "代价 J 对输出层偏置 b2 的梯度",
        "da1": "损失函数关于隐藏层激活值 a1 的导数", "dz1": "损失函数关于隐藏层加权输入 z1 的导数",
        "dw1": "代价 J 对隐藏层权重 w1 的梯度", "db1": "代价 J 对隐藏层偏置 b1 的梯度",
        "X": "输入 A[0] = X，每个训练样本一行", "Y": "标签（0 或 1），每个样本一行",
        "W": "第 {l} 层的权重", "b": "第 {l} 层的偏置", "Z": "第 {l} 层的线性加权计算结果",
        "A": "第 {l} 层的激活输出", "dA": "损失函数关于 {A} 的导数", "dZ": "损失函数关于 {Z} 的导数",
        "dW": "代价 J 对第 {l} 层权重 {W} 的梯度", "db": "代价 J 对第 {l} 层偏置 {b} 的梯度",
    },
}

WORDS = {
    "en": {
        "title_seed": "Backpropagation in the textbook's two-layer network, carried out on real numbers",
        "title_layers": "Backpropagation in a {n}-layer network, layer by layer, on real numbers",
        "setup_seed": "Data: {data}, m = {samples} samples of n_x = {inputs} inputs; n_h = {hidden} hidden units, "
                      "one output, sigmoid activations, cross-entropy loss.",
        "setup_layers": "Data: {data}, m = {samples} samples of {inputs} inputs; layer sizes {sizes}; {activation} "
                        "hidden activations, a sigmoid output, cross-entropy loss.",
        "init": "Weights drawn as {scale}·N(0, 1) with random seed {seed}, in the textbook's layout (the textbook draws "
                "0.01·N(0, 1), which makes every number look alike); biases 0. Learning rate α = {learning_rate}, "
                "{steps} gradient-descent step(s).",
        "init_given": "Start weights and biases as given. Learning rate α = {learning_rate}, {steps} gradient-descent "
                      "step(s).",
        "convention_seed": "Samples are columns, as in the textbook: x is (n_x, m), w1 (n_h, n_x), b1 (n_h, 1), "
                           "w2 (1, n_h), b2 (1, 1). da2, dz2, da1 and dz1 hold one column per sample (the "
                           "derivative of that sample's loss L); dw and db are gradients of the cost J, the mean "
                           "over the m samples, which is what gradient descent uses.",
        "convention_layers": "Orientation: samples are rows, the convention of the core (bpnn.core.Network): X is "
                             "(m, n0), W[l] is (n[l-1], n[l]), b[l] is (n[l],), Z[l] and A[l] are (m, n[l]). Each "
                             "matrix is the transpose of its textbook counterpart (Z[l] = z_lᵀ, W[l] = w_lᵀ, "
                             "dW[l] = dw_lᵀ), so products turn around: Z[l] = A[l-1] W[l] + b[l], "
                             "dW[l] = (1/m) A[l-1]ᵀ dZ[l]. dA and dZ hold one row per sample; dW and db are "
                             "gradients of the mean cost J. Formula numbers name the textbook formula each line "
                             "generalises. --layout columns (layout=\"columns\") prints the textbook's orientation.",
        "convention_columns": "Orientation: samples are columns, as in the textbook: x = a0 is (n0, m), w_l is "
                              "(n[l], n[l-1]), b_l is (n[l], 1), z_l and a_l are (n[l], m), so z_l = w_l a_(l-1) + "
                              "b_l and dw_l = (1/m) dz_l a_(l-1)ᵀ. da_l and dz_l hold one column per sample; dw_l "
                              "and db_l are gradients of the mean cost J. Formula numbers name the textbook formula "
                              "each line generalises.",
        "numbers": "Numbers are rounded to {digits} significant digits. Beside each parameter gradient g: its numerical "
                   "estimate g_num, central differences D(h) = (J(θ + h) - J(θ - h)) / 2h at h, 2h and 4h combined "
                   "as (4 D(h) - D(2h)) / 3 (Richardson extrapolation), with h = {step} times the parameter's "
                   "scale (1/rms of the input it multiplies, 1 for a bias; D(h/2) checks that h is small enough; "
                   "bpnn.core.gradcheck); the relative error ε = ‖g - g_num‖ / (‖g‖ + ‖g_num‖); and the ε the "
                   "check allows, from its own error estimate: the truncation seen between steps h and 2h, plus the "
                   "rounding of J over h.",
        "parameters": "Parameters before training", "forward": "Forward pass: {order}", "loss": "Loss",
        "backward": "Backward pass (backpropagation), in the textbook's order: {order}",
        "formula": "formula:", "seed": "textbook prints:", "computed": "computed:", "corrected": "corrected:",
        "corrected_typo": "corrected (a misprint):",
        "why": "why:", "note": "note:", "shape": "shape", "numeric": "numerical gradient:", "error": "relative error",
        "allowed": "allowed:",
        "generalises": "generalises",
        "check_ok": "Gradient check: every relative error is within what the check's own error estimate allows "
                    "(closest to its allowance: {name}, relative error {error} of {tolerance} allowed); "
                    "backpropagation's analytic gradients agree with the numerical ones.",
        "check_bad": "Gradient check: at {name} the relative error {error} exceeds the {tolerance} the check's "
                     "own error estimate allows; the analytic gradient of {name} disagrees with the numerical one, "
                     "by more than the numerical one can be wrong.",
        "kinks": "{count} parameter(s) of {names} are left out of the check: between the evaluations of their "
                 "differences a relu-type unit crosses its kink (Z = 0), where the differences average the slopes "
                 "on both sides and backpropagation takes one of them.",
        "largest": "largest relative error",
        "unresolved": "any (too small to check: below the rounding of J over h)",
        "unresolved_names": "{names}: too small for central differences to check. Their change of J over the step h "
                            "is below the rounding of J itself, so any relative error up to 1 is allowed: the check "
                            "neither confirms nor refutes them.",
        "saturated": "a2 rounds to exactly 0 or 1 in floating point here, so -y/a2 + (1 - y)/(1 - a2) divides by "
                     "zero. The next line, dz2 = a2 - y, never forms da2: backpropagation starts from dz2.",
        "update": "Gradient descent, learning rate α = {learning_rate}",
        "update_rule": "Each step moves every parameter against its gradient: {rule}. Step 1 uses the gradients "
                       "above; each later step recomputes them at the updated parameters.",
        "rule_seed": "w ← w - α dw, b ← b - α db", "rule_layers": "W[l] ← W[l] - α dW[l], b[l] ← b[l] - α db[l]",
        "rule_columns": "w_l ← w_l - α dw_l, b_l ← b_l - α db_l",
        "step": "Step {k}", "new_cost": "new cost", "sample": "sample",
        "slip_title": "The slip {slip}, computed",
        "slip_no-1/m": "Every parameter gradient without the 1/m of the mean cost J: each is the gradient of m·J, m = {m} "
                       "times too large: the same direction, but gradient descent takes steps {m} times too long.",
        "slip_no-transpose": "dw2 and dw1 without the transposes of a1 and x: the product then pairs hidden units "
                             "(inputs) with samples instead of summing over the samples. It is defined only when "
                             "m = n_h (m = n_x), here m = {m}, n_h = {n_h}, n_x = {n_x}; and wrong when it is.",
        "slip_z2-from-x": "z2 = w2 x + b2 as the textbook prints it: w2 is (1, n_h) and x is (n_x, m), so the product "
                          "is defined only when n_h = n_x (here n_h = {n_h}, n_x = {n_x}); when it is, the output skips "
                          "the hidden layer, its gradient follows that other network, and w1, b1 get none.",
        "slip_no-sum": "db2 and db1 without the sum over the samples: one column per sample instead of the single "
                       "column of the bias, so the update b ← b - α db broadcasts b into a matrix.",
        "slip_as": "the slipped way", "slip_formula": "slipped:", "slip_correct": "batch form, shape",
        "slip_undefined": "undefined: {left} times {right}, the inner sizes {a} and {b} differ.",
        "slip_shape": "{name} has shape {shape}, but {parameter} is {want}: the update {parameter} ← {parameter} - α "
                      "{name} would make {parameter} a {result} matrix.",
        "slip_verdict": "Gradient check of the slipped gradients: {verdict}; the slip is caught.",
        "slip_fails": "the relative errors at {names} exceed what the check allows",
        "slip_broken": "{names} cannot even be compared (an undefined product or the wrong shape)",
        "slip_join": "; ", "list_sep": ", ",
        "slip_missed": "Gradient check of the slipped gradients: it passes; with these sizes the slip happens to give "
                       "the right numbers.",
        "symmetry": "All weights start at 0: every hidden unit computes the same a1, receives the same gradient and "
                    "the same update, so the hidden units stay equal at every step (the symmetry that small random "
                    "start weights break). With w2 = 0 even dw1 is 0 at the first step.",
        "norms": "Size of the weight gradient layer by layer ({activation} hidden units), from the input up: "
                 "{norms}. Each layer down multiplies by {weights}ᵀ and by g′(Z): with sigmoid (g′ <= 1/4) the gradient "
                 "tends to shrink towards the input, which is the vanishing gradient; tanh (g′ <= 1) and relu "
                 "(g′ = 0 or 1) shrink it less.",
        "key": "Answer key", "your_turn": "left blank: compute it from the formula and the quantities above.",
        "walk_title": "One sample through the chain rule: sample {k}",
        "walk_intro": "Column {k} alone, each product of 8-12 … 8-19 in numbers. σ′(z2) = a2(1 - a2) cancels the "
                      "denominators of da2, so da2 · σ′(z2) is a2 - y (8-13); (i) marks one sample's share of a "
                      "gradient before the average.",
        "walk_average": "The gradients of J average the m = {m} samples' shares:",
        "gc_title": "Gradient check: a {sizes} network ({activations} hidden, {output} output), {loss} loss, "
                    "{samples} samples; Richardson-extrapolated central differences, steps {step}·(1/rms of each "
                    "weight's input; 1 for a bias).",
        "gc_row": "relative error", "gc_allowed": "allowed", "gc_sep": ", ",
        "gc_kinked": "{count} left out at a kink",
        "gc_ok": "PASS: every relative error is within what the check's own error estimate allows (closest: {error} "
                 "at {name}, allowed {tolerance}).",
        "gc_bad": "FAIL: the relative error {error} at {name} exceeds the {tolerance} allowed: the analytic gradient "
                  "of {name} disagrees with the numerical one by more than the numerical one can be wrong.",
        "gc_ok_fixed": "PASS: every relative error is below the --tolerance {tolerance} (largest: {error} at {name}).",
        "gc_bad_fixed": "FAIL: the relative error {error} at {name} is not below the --tolerance {tolerance} (without "
                        "--tolerance the check derives what its own error allows).",
        "gc_kinks": "Parameters left out at a kink: between the evaluations of their differences a relu-type unit "
                    "crosses Z = 0, where the differences average two slopes.",
        "demo_title": "The derivation behind the training (bpnn explain)",
        "demo_trace": "Every epoch above repeats one gradient-descent step: the forward pass, the loss 8-11 and "
                      "backpropagation 8-12 … 8-19. Here is the first step from this run's own start weights on {m} of "
                      "its training samples, each quantity with its formula and its numbers, each gradient beside "
                      "its numerical check. The samples and start weights are written next to this report; this "
                      "command prints the same trace (add --format latex for lecture notes, --worksheet to blank "
                      "quantities): {command}",
        "demo_other": "Every epoch repeats one gradient-descent step: the forward pass, the loss 8-11 and "
                      "backpropagation 8-12 … 8-19. bpnn explain traces it for one sigmoid output; this command "
                      "traces the same hidden layers on XOR, each quantity with its formula and its numbers: {command}",
    },
    "zh": {
        "title_seed": "反向传播算法：代入具体数值演算原文的两层网络",
        "title_layers": "反向传播算法：代入具体数值逐层演算 {n} 层网络",
        "setup_seed": "数据：{data}，m = {samples} 个训练样本，每个 n_x = {inputs} 个输入；隐藏层 n_h = {hidden} 个单元，"
                      "一个输出；Sigmoid 激活函数，交叉熵损失函数。",
        "setup_layers": "数据：{data}，m = {samples} 个训练样本，每个 {inputs} 个输入；各层大小 {sizes}；隐藏层激活函数 "
                        "{activation}，输出层 Sigmoid，交叉熵损失函数。",
        "init": "权重按原文的布局取 {scale}·N(0, 1)，随机种子为 {seed}（原文取 0.01·N(0, 1)，各数值几乎相同）；偏置为 0。"
                "学习率 α = {learning_rate}，梯度下降 {steps} 步。",
        "init_given": "初始权重和偏置按给定的数值。学习率 α = {learning_rate}，梯度下降 {steps} 步。",
        "convention_seed": "与原文相同，样本按列排列：x 为 (n_x, m)，w1 为 (n_h, n_x)，b1 为 (n_h, 1)，w2 为 (1, n_h)，"
                           "b2 为 (1, 1)。da2、dz2、da1、dz1 每个样本一列（该样本损失 L 的导数）；dw 和 db 是代价 J"
                           "（m 个样本的平均损失）的梯度，梯度下降用的正是它们。",
        "convention_layers": "约定：样本按行排列，即核心 bpnn.core.Network 的约定：X 为 (m, n0)，W[l] 为 (n[l-1], n[l])，"
                             "b[l] 为 (n[l],)，Z[l] 和 A[l] 为 (m, n[l])。每个矩阵都是原文对应矩阵的转置"
                             "（Z[l] = z_lᵀ，W[l] = w_lᵀ，dW[l] = dw_lᵀ），所以乘积顺序相反：Z[l] = A[l-1] W[l] + b[l]，"
                             "dW[l] = (1/m) A[l-1]ᵀ dZ[l]。dA 和 dZ 每个样本一行；dW 和 db 是平均代价 J 的梯度。"
                             "公式编号指出每一行推广的是原文哪个公式。用 --layout columns（layout=\"columns\"）"
                             "可按原文的方向排列。",
        "convention_columns": "约定：与原文相同，样本按列排列：x = a0 为 (n0, m)，w_l 为 (n[l], n[l-1])，b_l 为 "
                              "(n[l], 1)，z_l 和 a_l 为 (n[l], m)，因此 z_l = w_l a_(l-1) + b_l，"
                              "dw_l = (1/m) dz_l a_(l-1)ᵀ。da_l 和 dz_l 每个样本一列；dw_l 和 db_l 是平均代价 J 的梯度。"
                              "公式编号指出每一行推广的是原文哪个公式。",
        "numbers": "数值保留 {digits} 位有效数字。每个参数梯度 g 旁给出数值梯度 g_num：步长 h、2h、4h 的中心差分 "
                   "D(h) = (J(θ + h) - J(θ - h)) / 2h 按 (4 D(h) - D(2h)) / 3 组合（理查森外推），"
                   "h = {step} 乘以该参数的尺度，即所乘输入的均方根的倒数（偏置为 1）；D(h/2) 用来检验步长是否足够小"
                   "（bpnn.core.gradcheck）；相对误差 "
                   "ε = ‖g - g_num‖ / (‖g‖ + ‖g_num‖)；以及由检验自身误差估计得出的允许值："
                   "步长 h 与 2h 之间的截断误差，加上 J 的舍入误差除以 h。",
        "parameters": "训练前的参数", "forward": "前向计算：{order}", "loss": "损失函数",
        "backward": "反向传播，按原文的梯度计算顺序：{order}",
        "formula": "公式：", "seed": "原文公式：", "computed": "计算式：", "corrected": "修正（批量形式）：",
        "corrected_typo": "更正（排印错误）：",
        "why": "原因：", "note": "注：", "shape": "形状", "numeric": "数值梯度：", "error": "相对误差",
        "allowed": "允许值：",
        "generalises": "推广原文公式",
        "check_ok": "梯度检验：所有相对误差都在检验自身误差估计所允许的范围内（最接近允许值的是 {name}：相对误差 {error}，"
                    "允许值 {tolerance}）；反向传播的解析梯度与数值梯度一致。",
        "check_bad": "梯度检验：{name} 的相对误差 {error} 超过了检验自身误差估计所允许的 {tolerance}；{name} 的解析梯度"
                     "与数值梯度不一致，差异大于数值梯度本身可能的误差。",
        "kinks": "{names} 中有 {count} 个参数未参加检验：在计算其差分时，有 relu 类单元越过折点（Z = 0），差分取的是"
                 "两侧斜率的平均，而反向传播取其中一侧。",
        "largest": "最大相对误差",
        "unresolved": "不限（太小，无法检验：低于 J 的舍入误差除以 h）",
        "unresolved_names": "{names}：太小，中心差分无法检验。它们在步长 h 上引起的 J 的变化低于 J 本身的舍入误差，"
                            "因此允许任何不超过 1 的相对误差：检验既不能证实也不能否定它们。",
        "saturated": "这里 a2 在浮点数中恰好等于 0 或 1，-y/a2 + (1 - y)/(1 - a2) 除以零。下一行的 dz2 = a2 - y 不经过 da2："
                     "反向传播从 dz2 开始计算。",
        "update": "梯度下降，学习率 α = {learning_rate}",
        "update_rule": "每一步沿负梯度方向更新每个参数：{rule}。第 1 步使用上面的梯度；之后每一步在更新后的参数上重新计算梯度。",
        "rule_seed": "w ← w - α dw，b ← b - α db", "rule_layers": "W[l] ← W[l] - α dW[l]，b[l] ← b[l] - α db[l]",
        "rule_columns": "w_l ← w_l - α dw_l，b_l ← b_l - α db_l",
        "step": "第 {k} 步", "new_cost": "新的代价", "sample": "样本",
        "slip_title": "错误写法 {slip} 的数值演算",
        "slip_no-1/m": "每个参数梯度都省略了平均代价 J 的 1/m：得到的是 m·J 的梯度，大了 m = {m} 倍：方向不变，"
                       "但梯度下降的步长变成 {m} 倍。",
        "slip_no-transpose": "dw2 和 dw1 省略了 a1 与 x 的转置：乘积把隐藏单元（输入）与样本配对，而不是对样本求和。"
                             "只有 m = n_h（m = n_x）时才能计算，这里 m = {m}，n_h = {n_h}，n_x = {n_x}；"
                             "即使能计算，结果也是错的。",
        "slip_z2-from-x": "按原文印的 z2 = w2 x + b2：w2 为 (1, n_h)，x 为 (n_x, m)，只有 n_h = n_x 时乘积才有定义"
                          "（这里 n_h = {n_h}，n_x = {n_x}）；有定义时输出层跳过了隐藏层，梯度属于另一个网络，"
                          "w1、b1 得不到梯度。",
        "slip_no-sum": "db2 和 db1 省略了对样本的求和：每个样本一列，而偏置只有一列，于是更新 b ← b - α db 会把 b 广播成矩阵。",
        "slip_as": "按错误写法计算", "slip_formula": "错误写法：", "slip_correct": "批量形式，形状",
        "slip_undefined": "无法计算：{left} 乘 {right}，内侧尺寸 {a} 与 {b} 不相等。",
        "slip_shape": "{name} 的形状为 {shape}，而 {parameter} 为 {want}：更新 {parameter} ← {parameter} - α {name} "
                      "会使 {parameter} 变成 {result} 的矩阵。",
        "slip_verdict": "对错误写法的梯度做梯度检验：{verdict}；错误被发现。",
        "slip_fails": "{names} 的相对误差超过检验允许值",
        "slip_broken": "{names} 根本无法比较（乘积无定义或形状不对）",
        "slip_join": "；", "list_sep": "、",
        "slip_missed": "对错误写法的梯度做梯度检验：通过；在这些尺寸下错误写法恰好给出正确的数值。",
        "symmetry": "所有权重初始为 0：每个隐藏单元算出相同的 a1，得到相同的梯度和相同的更新，因此每一步之后隐藏单元仍然"
                    "完全相同（小的随机初始权重正是为了打破这种对称性）。由于 w2 = 0，第一步的 dw1 也为 0。",
        "norms": "各层权重梯度的大小（隐藏层激活函数 {activation}），从输入层往上：{norms}。每往下一层都要乘以 {weights}ᵀ 和 "
                 "g′(Z)：Sigmoid 的 g′ 不超过 1/4，梯度往输入层方向往往越来越小，这就是梯度消失；tanh（g′ 不超过 1）和 "
                 "relu（g′ 为 0 或 1）缩小得少一些。",
        "key": "答案", "your_turn": "此处留空：请用公式和前面的数值算出它。",
        "walk_title": "单个样本的链式求导：第 {k} 个样本",
        "walk_intro": "只看第 {k} 列，代入具体数值写出 8-12 至 8-19 的每个乘积。σ′(z2) = a2(1 - a2) 与 da2 的分母相消，"
                      "所以 da2 · σ′(z2) 就是 a2 - y（8-13）；(i) 表示求平均之前单个样本对梯度的贡献。",
        "walk_average": "代价 J 的梯度是 m = {m} 个样本贡献的平均值：",
        "gc_title": "梯度检验：{sizes} 网络（隐藏层 {activations}，输出层 {output}），损失函数 {loss}，{samples} 个样本；"
                    "理查森外推的中心差分，步长 {step}·（权重所乘输入的均方根的倒数；偏置为 1）。",
        "gc_row": "相对误差", "gc_allowed": "允许值", "gc_sep": "，",
        "gc_kinked": "{count} 个参数在折点处未参加检验",
        "gc_ok": "通过：所有相对误差都在检验自身误差估计所允许的范围内（最接近的是 {name}：{error}，允许值 {tolerance}）。",
        "gc_bad": "未通过：{name} 的相对误差 {error} 超过允许值 {tolerance}：{name} 的解析梯度与数值梯度不一致，"
                  "差异大于数值梯度本身可能的误差。",
        "gc_ok_fixed": "通过：所有相对误差都低于 --tolerance {tolerance}（最大的是 {name}：{error}）。",
        "gc_bad_fixed": "未通过：{name} 的相对误差 {error} 不低于 --tolerance {tolerance}"
                        "（不给 --tolerance 时，检验按自身误差估计得出允许值）。",
        "gc_kinks": "在折点处未参加检验的参数：计算其差分时有 relu 类单元越过 Z = 0，差分取的是两侧斜率的平均。",
        "demo_title": "训练背后的推导（bpnn explain）",
        "demo_trace": "上面的每一轮训练都重复同一个梯度下降步骤：前向计算、损失函数 8-11 和反向传播 8-12 至 8-19。"
                      "下面是本次训练从自身的初始权重出发、在 {m} 个训练样本上的第一步，每个量都给出公式和具体数值，"
                      "每个梯度旁都有数值检验。这些样本和初始权重已写在本报告旁边；以下命令输出同样的演算"
                      "（加 --format latex 得到讲义，加 --worksheet 留空练习）：{command}",
        "demo_other": "每一轮训练都重复同一个梯度下降步骤：前向计算、损失函数 8-11 和反向传播 8-12 至 8-19。"
                      "bpnn explain 演算单个 Sigmoid 输出的网络；以下命令在 XOR 上演算同样的隐藏层，"
                      "每个量都给出公式和具体数值：{command}",
    },
}

