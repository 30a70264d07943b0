from viosaudit.cli import main

raise SystemExit(main())
